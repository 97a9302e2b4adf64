using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using MemoryPack;

namespace Travelers.Benchmarks;

/// <summary>One message's bytes from each contender.</summary>
public sealed record WireRow(string Message, byte[] Travelers, byte[] MemoryPack, byte[] Floor);

/// <summary>
/// Round-trips each message once per contender and checks what comes back against what went in,
/// and that the floor writes exactly the Travelers bytes. Run before every benchmark run, and alone
/// with <c>--smoke</c> (exit code 1 on any mismatch).
/// </summary>
public static class Smoke
{
    public static int Run()
    {
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        List<WireRow> rows = RoundTrip(failures);
        WireSizes.Print(rows);
        foreach (string failure in failures)
        {
            Console.Error.WriteLine("MISMATCH: " + failure);
        }

        Console.WriteLine(failures.Count == 0
            ? $"smoke: OK, 4 messages x 3 contenders round-tripped in {clock.ElapsedMilliseconds} ms"
            : $"smoke: FAILED, {failures.Count} mismatch(es)");
        return failures.Count == 0 ? 0 : 1;
    }

    public static List<WireRow> RoundTrip(List<string> failures)
    {
        var rows = new List<WireRow>();

        Floor.PlayerInput input = TestData.PlayerInput();
        rows.Add(Check(
            "PlayerInput",
            failures,
            Mirror.ToTr(in input),
            Mirror.ToMp(in input),
            input,
            (o, v) => Floor.FloorCodec.Write(o, in v),
            b => Floor.FloorCodec.ReadPlayerInput(b),
            v => Mirror.ToFloor(in v),
            v => Mirror.ToFloor(in v),
            (a, b) => Same.As(in a, in b)));

        Floor.Snapshot snapshot = TestData.Snapshot();
        rows.Add(Check(
            "Snapshot",
            failures,
            Mirror.ToTr(in snapshot),
            Mirror.ToMp(in snapshot),
            snapshot,
            (o, v) => Floor.FloorCodec.Write(o, in v),
            b => Floor.FloorCodec.ReadSnapshot(b),
            v => Mirror.ToFloor(in v),
            v => Mirror.ToFloor(in v),
            (a, b) => Same.As(in a, in b)));

        // The one-copy-per-entity floor must agree with the member-by-member one both ways.
        var runs = new ArrayBufferWriter<byte>();
        Floor.FloorCodec.WriteRuns(runs, in snapshot);
        if (!runs.WrittenSpan.SequenceEqual(rows[^1].Floor))
        {
            failures.Add("Snapshot: FloorRuns writes other bytes than Floor");
        }

        if (!Same.As(in snapshot, Floor.FloorCodec.ReadSnapshotRuns(rows[^1].Floor)))
        {
            failures.Add("Snapshot: FloorRuns reads back another value");
        }

        Floor.ChatLine chat = TestData.ChatLine();
        rows.Add(Check(
            "ChatLine",
            failures,
            Mirror.ToTr(chat),
            Mirror.ToMp(chat),
            chat,
            Floor.FloorCodec.Write,
            b => Floor.FloorCodec.ReadChatLine(b),
            Mirror.ToFloor,
            Mirror.ToFloor,
            Same.As));

        Floor.Inventory inventory = TestData.Inventory();
        rows.Add(Check(
            "Inventory",
            failures,
            Mirror.ToTr(inventory),
            Mirror.ToMp(inventory),
            inventory,
            Floor.FloorCodec.Write,
            b => Floor.FloorCodec.ReadInventory(b),
            Mirror.ToFloor,
            Mirror.ToFloor,
            Same.As));

        return rows;
    }

    private delegate TFloor Read<TFloor>(ReadOnlySpan<byte> bytes);

    private static WireRow Check<TTr, TMp, TFloor>(
        string name,
        List<string> failures,
        TTr tr,
        TMp mp,
        TFloor expected,
        Action<IBufferWriter<byte>, TFloor> floorWrite,
        Read<TFloor> floorRead,
        Func<TTr, TFloor> trToFloor,
        Func<TMp, TFloor> mpToFloor,
        Func<TFloor, TFloor, bool> same)
        where TTr : INetMessage<TTr>
    {
        byte[] trBytes = [];
        byte[] mpBytes = [];
        byte[] floorBytes = [];
        try
        {
            // Travelers, through the same reused-ArrayBufferWriter path the benchmarks take.
            var output = new ArrayBufferWriter<byte>(16);
            NetSerializer.Serialize(output, in tr);
            output.ResetWrittenCount();
            NetSerializer.Serialize(output, in tr);
            trBytes = output.WrittenSpan.ToArray();
            if (!same(expected, trToFloor(NetSerializer.Deserialize<TTr>(trBytes))))
            {
                failures.Add(name + ": Travelers reads back another value");
            }

            byte[] viaArray = NetSerializer.Serialize(in tr);
            var span = new byte[trBytes.Length + 16];
            int written = NetSerializer.Serialize(span.AsSpan(), in tr);
            if (!viaArray.AsSpan().SequenceEqual(trBytes) || !span.AsSpan(0, written).SequenceEqual(trBytes))
            {
                failures.Add(name + ": Travelers' three Serialize overloads disagree");
            }
        }
        catch (Exception e)
        {
            failures.Add(name + ": Travelers threw " + e.GetType().Name + ": " + e.Message);
        }

        try
        {
            var output = new ArrayBufferWriter<byte>(16);
            MemoryPackSerializer.Serialize(output, in mp, Contenders.MemoryPackOptions);
            mpBytes = output.WrittenSpan.ToArray();
            TMp back = MemoryPackSerializer.Deserialize<TMp>(mpBytes, Contenders.MemoryPackOptions)!;
            if (!same(expected, mpToFloor(back)))
            {
                failures.Add(name + ": MemoryPack reads back another value");
            }
        }
        catch (Exception e)
        {
            failures.Add(name + ": MemoryPack threw " + e.GetType().Name + ": " + e.Message);
        }

        try
        {
            var output = new ArrayBufferWriter<byte>(16);
            floorWrite(output, expected);
            floorBytes = output.WrittenSpan.ToArray();
            if (!same(expected, floorRead(floorBytes)))
            {
                failures.Add(name + ": Floor reads back another value");
            }

            if (!floorBytes.AsSpan().SequenceEqual(trBytes))
            {
                int at = floorBytes.AsSpan().CommonPrefixLength(trBytes);
                failures.Add($"{name}: the floor's bytes differ from Travelers' at offset {at} ({floorBytes.Length} vs {trBytes.Length} bytes)");
            }
        }
        catch (Exception e)
        {
            failures.Add(name + ": Floor threw " + e.GetType().Name + ": " + e.Message);
        }

        return new WireRow(name, trBytes, mpBytes, floorBytes);
    }
}

/// <summary>The wire-size table printed before the benchmarks.</summary>
public static class WireSizes
{
    public static void Print(IReadOnlyList<WireRow> rows)
    {
        Console.WriteLine();
        Console.WriteLine("wire bytes: Travelers / MemoryPack / floor");
        Console.WriteLine("| message | Travelers | MemoryPack | floor | Travelers <= MemoryPack |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        foreach (WireRow row in rows)
        {
            Console.WriteLine($"| {row.Message} | {row.Travelers.Length} | {row.MemoryPack.Length} | {row.Floor.Length} | {(row.Travelers.Length <= row.MemoryPack.Length ? "yes" : "NO")} |");
        }

        Console.WriteLine();
    }
}
