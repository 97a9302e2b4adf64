using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MemoryPack;

namespace Travelers.Benchmarks;

// One class per message; in each, two categories (Serialize, Deserialize) with MemoryPack as the
// baseline, so BenchmarkDotNet's Ratio column reads "this contender's time / MemoryPack's time" within
// the same run. Serialize writes into one reused ArrayBufferWriter (ResetWrittenCount each call), the
// same buffer type for all three contenders; Deserialize reads a byte array prepared in GlobalSetup
// by the same contender. MemoryPack is told to write UTF-8 strings (as Travelers and the floor do).

/// <summary>What the benchmarks share.</summary>
public static class Contenders
{
    /// <summary>UTF-8 strings, as on the Travelers wire (MemoryPack's default is UTF-16).</summary>
    public static readonly MemoryPackSerializerOptions MemoryPackOptions = MemoryPackSerializerOptions.Utf8;
}

[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PlayerInputBenchmarks
{
    private const string Ser = "PlayerInput-Serialize";
    private const string De = "PlayerInput-Deserialize";
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private Tr.PlayerInput _tr;
    private Mp.PlayerInput _mp;
    private Floor.PlayerInput _floor;
    private byte[] _trBytes = [];
    private byte[] _mpBytes = [];
    private byte[] _floorBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _floor = TestData.PlayerInput();
        _tr = Mirror.ToTr(in _floor);
        _mp = Mirror.ToMp(in _floor);
        _trBytes = NetSerializer.Serialize(in _tr);
        _mpBytes = MemoryPackSerializer.Serialize(in _mp, Contenders.MemoryPackOptions);
        var buffer = new ArrayBufferWriter<byte>();
        Floor.FloorCodec.Write(buffer, in _floor);
        _floorBytes = buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Ser)]
    public int MemoryPack_Serialize()
    {
        _output.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_output, in _mp, Contenders.MemoryPackOptions);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(Ser)]
    public int Travelers_Serialize()
    {
        _output.ResetWrittenCount();
        NetSerializer.Serialize(_output, in _tr);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(Ser)]
    public int Floor_Serialize()
    {
        _output.ResetWrittenCount();
        Floor.FloorCodec.Write(_output, in _floor);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory(De)]
    public Mp.PlayerInput MemoryPack_Deserialize() => MemoryPackSerializer.Deserialize<Mp.PlayerInput>(_mpBytes, Contenders.MemoryPackOptions);

    [Benchmark, BenchmarkCategory(De)]
    public Tr.PlayerInput Travelers_Deserialize() => NetSerializer.Deserialize<Tr.PlayerInput>(_trBytes);

    [Benchmark, BenchmarkCategory(De)]
    public Floor.PlayerInput Floor_Deserialize() => Floor.FloorCodec.ReadPlayerInput(_floorBytes);
}

[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SnapshotBenchmarks
{
    private const string Ser = "Snapshot-Serialize";
    private const string De = "Snapshot-Deserialize";
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private Tr.Snapshot _tr;
    private Mp.Snapshot _mp;
    private Floor.Snapshot _floor;
    private byte[] _trBytes = [];
    private byte[] _mpBytes = [];
    private byte[] _floorBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _floor = TestData.Snapshot();
        _tr = Mirror.ToTr(in _floor);
        _mp = Mirror.ToMp(in _floor);
        _trBytes = NetSerializer.Serialize(in _tr);
        _mpBytes = MemoryPackSerializer.Serialize(in _mp, Contenders.MemoryPackOptions);
        var buffer = new ArrayBufferWriter<byte>();
        Floor.FloorCodec.Write(buffer, in _floor);
        _floorBytes = buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Ser)]
    public int MemoryPack_Serialize()
    {
        _output.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_output, in _mp, Contenders.MemoryPackOptions);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(Ser)]
    public int Travelers_Serialize()
    {
        _output.ResetWrittenCount();
        NetSerializer.Serialize(_output, in _tr);
        return _output.WrittenCount;
    }

    /// <summary>The floor as PEERS.md defines it: member by member with BinaryPrimitives.</summary>
    [Benchmark, BenchmarkCategory(Ser)]
    public int Floor_Serialize()
    {
        _output.ResetWrittenCount();
        Floor.FloorCodec.Write(_output, in _floor);
        return _output.WrittenCount;
    }

    /// <summary>A stricter floor: the same bytes, one 33-byte copy per entity.</summary>
    [Benchmark, BenchmarkCategory(Ser)]
    public int FloorRuns_Serialize()
    {
        _output.ResetWrittenCount();
        Floor.FloorCodec.WriteRuns(_output, in _floor);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory(De)]
    public Mp.Snapshot MemoryPack_Deserialize() => MemoryPackSerializer.Deserialize<Mp.Snapshot>(_mpBytes, Contenders.MemoryPackOptions);

    [Benchmark, BenchmarkCategory(De)]
    public Tr.Snapshot Travelers_Deserialize() => NetSerializer.Deserialize<Tr.Snapshot>(_trBytes);

    [Benchmark, BenchmarkCategory(De)]
    public Floor.Snapshot Floor_Deserialize() => Floor.FloorCodec.ReadSnapshot(_floorBytes);

    [Benchmark, BenchmarkCategory(De)]
    public Floor.Snapshot FloorRuns_Deserialize() => Floor.FloorCodec.ReadSnapshotRuns(_floorBytes);
}

[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ChatLineBenchmarks
{
    private const string Ser = "ChatLine-Serialize";
    private const string De = "ChatLine-Deserialize";
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private Tr.ChatLine _tr = new();
    private Mp.ChatLine _mp = new();
    private Floor.ChatLine _floor = new();
    private byte[] _trBytes = [];
    private byte[] _mpBytes = [];
    private byte[] _floorBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _floor = TestData.ChatLine();
        _tr = Mirror.ToTr(_floor);
        _mp = Mirror.ToMp(_floor);
        _trBytes = NetSerializer.Serialize(in _tr);
        _mpBytes = MemoryPackSerializer.Serialize(in _mp, Contenders.MemoryPackOptions);
        var buffer = new ArrayBufferWriter<byte>();
        Floor.FloorCodec.Write(buffer, _floor);
        _floorBytes = buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Ser)]
    public int MemoryPack_Serialize()
    {
        _output.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_output, in _mp, Contenders.MemoryPackOptions);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(Ser)]
    public int Travelers_Serialize()
    {
        _output.ResetWrittenCount();
        NetSerializer.Serialize(_output, in _tr);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(Ser)]
    public int Floor_Serialize()
    {
        _output.ResetWrittenCount();
        Floor.FloorCodec.Write(_output, _floor);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory(De)]
    public Mp.ChatLine? MemoryPack_Deserialize() => MemoryPackSerializer.Deserialize<Mp.ChatLine>(_mpBytes, Contenders.MemoryPackOptions);

    [Benchmark, BenchmarkCategory(De)]
    public Tr.ChatLine Travelers_Deserialize() => NetSerializer.Deserialize<Tr.ChatLine>(_trBytes);

    [Benchmark, BenchmarkCategory(De)]
    public Floor.ChatLine Floor_Deserialize() => Floor.FloorCodec.ReadChatLine(_floorBytes);
}

[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class InventoryBenchmarks
{
    private const string Ser = "Inventory-Serialize";
    private const string De = "Inventory-Deserialize";
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private Tr.Inventory _tr = new();
    private Mp.Inventory _mp = new();
    private Floor.Inventory _floor = new();
    private byte[] _trBytes = [];
    private byte[] _mpBytes = [];
    private byte[] _floorBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _floor = TestData.Inventory();
        _tr = Mirror.ToTr(_floor);
        _mp = Mirror.ToMp(_floor);
        _trBytes = NetSerializer.Serialize(in _tr);
        _mpBytes = MemoryPackSerializer.Serialize(in _mp, Contenders.MemoryPackOptions);
        var buffer = new ArrayBufferWriter<byte>();
        Floor.FloorCodec.Write(buffer, _floor);
        _floorBytes = buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Ser)]
    public int MemoryPack_Serialize()
    {
        _output.ResetWrittenCount();
        MemoryPackSerializer.Serialize(_output, in _mp, Contenders.MemoryPackOptions);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(Ser)]
    public int Travelers_Serialize()
    {
        _output.ResetWrittenCount();
        NetSerializer.Serialize(_output, in _tr);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(Ser)]
    public int Floor_Serialize()
    {
        _output.ResetWrittenCount();
        Floor.FloorCodec.Write(_output, _floor);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory(De)]
    public Mp.Inventory? MemoryPack_Deserialize() => MemoryPackSerializer.Deserialize<Mp.Inventory>(_mpBytes, Contenders.MemoryPackOptions);

    [Benchmark, BenchmarkCategory(De)]
    public Tr.Inventory Travelers_Deserialize() => NetSerializer.Deserialize<Tr.Inventory>(_trBytes);

    [Benchmark, BenchmarkCategory(De)]
    public Floor.Inventory Floor_Deserialize() => Floor.FloorCodec.ReadInventory(_floorBytes);
}
