using System.Text;
using Xunit.Sdk;

namespace Travelers.Runtime.Tests;

/// <summary>
/// Hostile bytes, generated deterministically: random bytes, every truncation and every bit flip of
/// valid encodings, huge and overlong varints and invalid UTF-8 inserted and overwritten at every
/// position, random mutations and splices, and nesting bombs. Deserialize may only throw
/// NetSerializationException (and not one wrapping an IndexOutOfRange, Overflow, OutOfMemory or
/// Argument exception), TryDeserialize never throws and agrees with it, and what either allocates
/// stays bounded by the input's length and the limits.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const int InputsPerType = 100_000;

    /// <summary>Small limits, so that a bound on allocation follows from them.</summary>
    private static readonly NetLimits Limits = new() { MaxCollectionCount = 1024, MaxStringBytes = 4096, MaxMessageBytes = 64 * 1024, MaxDepth = 8 };

    /// <summary>Bytes that, placed anywhere, make a length, count, varint or string hostile.</summary>
    private static readonly byte[][] Poison =
    [
        Bytes.VarUInt(int.MaxValue), // 2^31 - 1
        Bytes.VarUInt((ulong)int.MaxValue + 1),
        Bytes.VarUInt(uint.MaxValue), // "-1" when read as a 32-bit count
        Bytes.VarUInt(1UL << 63),
        Bytes.VarUInt(ulong.MaxValue),
        Bytes.VarUInt(1026), // one over MaxCollectionCount as count + 1
        Bytes.VarUInt(4098), // one over MaxStringBytes as length + 1
        [0x80, 0x00], // overlong zero
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], // a six-byte VarUInt32
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], // an eleven-byte VarUInt64
        [0x80], // a varint cut short
        [0x03, 0xC0, 0x80], // a string of overlong UTF-8
        [0x04, 0xED, 0xA0, 0x80], // a string holding an encoded surrogate
        [0x05, 0xF4, 0x90, 0x80, 0x80], // a string above U+10FFFF
        [0x02, 0xFF],
        [0x03, 0xE2, 0x82], // a string ending inside a sequence
        [0xC0, 0x80],
        [0xED, 0xB0, 0x80],
        [0x02], // presence, boolean or small count out of range
        [0xFF],
    ];

    private sealed class Report
    {
        public int Inputs { get; set; }

        public int Valid { get; set; }

        public long TotalAllocated { get; set; }

        public long MaxAllocated { get; set; }

        public byte[] MaxAllocatedInput { get; set; } = [];

        public override string ToString() =>
            $"{Inputs} inputs, {Valid} valid, {TotalAllocated / Math.Max(1, Inputs)} bytes allocated per input on average, at most {MaxAllocated} (input of {MaxAllocatedInput.Length} bytes)";
    }

    private static IEnumerable<byte[]> Mutations(byte[][] valid, Random random, int total)
    {
        int produced = 0;
        foreach (byte[] input in Deterministic(valid))
        {
            yield return input;
            if (++produced == total)
            {
                yield break;
            }
        }

        while (produced++ < total)
        {
            byte[] seed = valid[random.Next(valid.Length)];
            switch (random.Next(6))
            {
                case 0:
                {
                    byte[] bytes = new byte[random.Next(4) == 0 ? random.Next(4096) : random.Next(64)];
                    random.NextBytes(bytes);
                    yield return bytes;
                    break;
                }

                case 1:
                {
                    byte[] bytes = (byte[])seed.Clone();
                    for (int i = random.Next(1, 4); i > 0 && bytes.Length > 0; i--)
                    {
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    }

                    yield return bytes;
                    break;
                }

                case 2:
                {
                    int at = random.Next(seed.Length + 1);
                    yield return Bytes.Concat(seed[..at], Poison[random.Next(Poison.Length)], seed[at..]);
                    break;
                }

                case 3:
                {
                    int from = random.Next(seed.Length + 1);
                    int to = Math.Min(seed.Length, from + random.Next(1, 8));
                    yield return Bytes.Concat(seed[..from], seed[to..]);
                    break;
                }

                case 4:
                {
                    byte[] other = valid[random.Next(valid.Length)];
                    yield return Bytes.Concat(seed[..random.Next(seed.Length + 1)], other[random.Next(other.Length + 1)..]);
                    break;
                }

                default:
                {
                    byte[] bytes = (byte[])seed.Clone();
                    int at = random.Next(bytes.Length + 1);
                    byte[] poison = Poison[random.Next(Poison.Length)];
                    for (int i = 0; i < poison.Length && at + i < bytes.Length; i++)
                    {
                        bytes[at + i] = poison[i];
                    }

                    yield return bytes;
                    break;
                }
            }
        }
    }

    private static IEnumerable<byte[]> Deterministic(byte[][] valid)
    {
        foreach (byte[] seed in valid)
        {
            yield return Bytes.Concat(seed, [0]); // trailing garbage
            for (int length = 0; length < seed.Length; length++)
            {
                yield return seed[..length];
            }

            for (int bit = 0; bit < seed.Length * 8; bit++)
            {
                byte[] flipped = (byte[])seed.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                yield return flipped;
            }
        }

        foreach (byte[] seed in valid)
        {
            for (int at = 0; at <= seed.Length; at++)
            {
                foreach (byte[] poison in Poison)
                {
                    yield return Bytes.Concat(seed[..at], poison, seed[at..]);
                    if (at < seed.Length)
                    {
                        byte[] overwritten = (byte[])seed.Clone();
                        poison.AsSpan(0, Math.Min(poison.Length, seed.Length - at)).CopyTo(overwritten.AsSpan(at));
                        yield return overwritten;
                    }
                }
            }
        }
    }

    private static Report Attack<T>(byte[][] valid, IEnumerable<byte[]> inputs, bool userCodeMayThrow = false)
        where T : INetMessage<T>
    {
        // Warm up (JIT, type loading, the first exception's stack-trace machinery) before measuring allocation.
        foreach (byte[] seed in valid)
        {
            for (int length = 0; length <= seed.Length; length++)
            {
                NetSerializer.TryDeserialize<T>(seed.AsSpan(0, length), Limits, out _);
                try
                {
                    NetSerializer.Deserialize<T>(seed.AsSpan(0, length), Limits);
                }
                catch (NetSerializationException)
                {
                }
            }
        }

        var report = new Report();
        foreach (byte[] input in inputs)
        {
            report.Inputs++;
            long before = GC.GetAllocatedBytesForCurrentThread();
            T? value = default;
            NetSerializationException? error = null;
            try
            {
                value = NetSerializer.Deserialize<T>(input, Limits);
            }
            catch (NetSerializationException e)
            {
                error = e;
            }
            catch (Exception e)
            {
                throw new XunitException($"Deserialize<{typeof(T).Name}> threw {e.GetType().Name} for {Bytes.Hex(input)}: {e}");
            }

            bool accepted;
            T? tried;
            try
            {
                accepted = NetSerializer.TryDeserialize<T>(input, Limits, out tried);
            }
            catch (Exception e)
            {
                throw new XunitException($"TryDeserialize<{typeof(T).Name}> threw {e.GetType().Name} for {Bytes.Hex(input)}: {e}");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            report.TotalAllocated += allocated;
            if (allocated > report.MaxAllocated)
            {
                report.MaxAllocated = allocated;
                report.MaxAllocatedInput = input;
            }

            // Strings, collections and exceptions: linear in the input, plus a constant for the failure.
            if (allocated > (64L * input.Length) + (32 * 1024))
            {
                throw new XunitException($"{typeof(T).Name}: {allocated} bytes allocated for an input of {input.Length} bytes: {Bytes.Hex(input)}");
            }

            if (error is not null)
            {
                if (accepted)
                {
                    throw new XunitException($"{typeof(T).Name}: Deserialize threw but TryDeserialize accepted {Bytes.Hex(input)}");
                }

                if (error.InnerException is not null && !userCodeMayThrow)
                {
                    throw new XunitException($"{typeof(T).Name}: the NetSerializationException wraps a {error.InnerException.GetType().Name} for {Bytes.Hex(input)}: {error.InnerException}");
                }

                if (error.Offset < 0 || error.Offset > input.Length)
                {
                    throw new XunitException($"{typeof(T).Name}: offset {error.Offset} is outside the {input.Length}-byte input: {error.Message}");
                }

                continue;
            }

            if (!accepted)
            {
                throw new XunitException($"{typeof(T).Name}: Deserialize accepted but TryDeserialize refused {Bytes.Hex(input)}");
            }

            // Accepted: both calls read the same value, and it survives another round trip. Bytes are
            // compared every time; the (reflection-based) deep comparison on a sample.
            report.Valid++;
            byte[] again = Bytes.Serialize(value!, Limits);
            Assert.Equal(again, Bytes.Serialize(tried!, Limits));
            T third = NetSerializer.Deserialize<T>(again, Limits);
            Assert.Equal(again, Bytes.Serialize(third, Limits));
            if (report.Valid % 64 == 1)
            {
                Deep.Equal(value, tried);
                Deep.Equal(value, third);
            }
        }

        return report;
    }

    /// <summary>
    /// Most inputs are refused, and each refusal costs two exceptions (Deserialize and TryDeserialize,
    /// about 1-2 KB each with their messages); what a valid input may allocate is bounded by the small
    /// limits (1,024 elements, 4,096-byte strings). Averages measured: 1.7 KB (struct), 2.7 KB (record),
    /// 4.7 KB (class with collections).
    /// </summary>
    private void AssertBounded(Report report, int averageBound)
    {
        output.WriteLine(report.ToString());
        Assert.Equal(InputsPerType, report.Inputs);
        Assert.True(report.TotalAllocated / report.Inputs < averageBound, report.ToString());
    }

    [Fact]
    public void A_struct_of_primitives_refuses_hostile_bytes_cleanly()
    {
        PrimitiveStruct sample = Samples.PrimitiveStruct();
        byte[][] valid =
        [
            NetSerializer.Serialize(sample),
            NetSerializer.Serialize(default(PrimitiveStruct)),
            NetSerializer.Serialize(sample with { When = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Local), Dec = decimal.MinValue, Flag = false }),
        ];
        TimeSpan cpuBefore = ThreadCpuTime.Now(); // the work's own time: a stopwatch counts the waits of a loaded machine too

        Report report = Attack<PrimitiveStruct>(valid, Mutations(valid, new Random(1), InputsPerType));

        AssertBounded(report, 4 * 1024);
        Assert.InRange(report.Valid, 1, report.Inputs - 1);
        TimeSpan cpu = ThreadCpuTime.Now() - cpuBefore;
        Assert.True(cpu < TimeSpan.FromSeconds(20), $"{cpu} of processor time: {report}");
    }

    [Fact]
    public void A_record_with_limited_strings_refuses_hostile_bytes_cleanly()
    {
        byte[][] valid =
        [
            NetSerializer.Serialize(new ChatLine("ann", "hello", null)),
            NetSerializer.Serialize(new ChatLine("😀é€", new string('é', 8) + "😀😀😀😀", string.Empty)),
            NetSerializer.Serialize(new ChatLine(string.Empty, string.Empty, "note")),
            NetSerializer.Serialize(new ChatLine(new string('x', 100), "€€€€€€€€€€€€€€€€", "😀")),
        ];
        TimeSpan cpuBefore = ThreadCpuTime.Now(); // the work's own time: a stopwatch counts the waits of a loaded machine too

        byte[][] invalidUtf8 = InvalidUtf8(valid).ToArray();
        Report report = Attack<ChatLine>(valid, invalidUtf8.Concat(Mutations(valid, new Random(2), InputsPerType - invalidUtf8.Length)));

        AssertBounded(report, 4 * 1024);
        Assert.InRange(report.Valid, 1, report.Inputs - 1);
        TimeSpan cpu = ThreadCpuTime.Now() - cpuBefore;
        Assert.True(cpu < TimeSpan.FromSeconds(20), $"{cpu} of processor time: {report}");
    }

    [Fact]
    public void A_record_refuses_invalid_utf8_in_each_string_member()
    {
        byte[][] valid = [NetSerializer.Serialize(new ChatLine("abcd", "efgh", "ijkl"))];
        int inputs = 0;
        foreach (byte[] input in InvalidUtf8(valid))
        {
            inputs++;
            NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<ChatLine>(input, Limits));
            Assert.Contains(error.Member, new[] { "From", "Text", "Note" });
            Assert.False(NetSerializer.TryDeserialize<ChatLine>(input, Limits, out _));
        }

        Assert.True(inputs >= 3 * 8, $"{inputs} inputs");
    }

    /// <summary>Each string body of the seed replaced, length prefix kept, by invalid UTF-8 of the same length.</summary>
    private static IEnumerable<byte[]> InvalidUtf8(byte[][] valid)
    {
        byte[][] invalid = [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80], [0xC3, 0x28]];
        foreach (byte[] seed in valid)
        {
            // ChatLine: three strings in a row, each a one-byte length prefix here.
            int at = 0;
            while (at < seed.Length)
            {
                int length = seed[at] - 1;
                if (length >= 4)
                {
                    foreach (byte[] bad in invalid)
                    {
                        byte[] bytes = (byte[])seed.Clone();
                        bad.CopyTo(bytes, at + 1);
                        yield return bytes;
                    }
                }

                at += Math.Max(1, length + 1);
            }
        }
    }

    [Fact]
    public void A_class_with_collections_a_dictionary_and_nested_classes_refuses_hostile_bytes_cleanly()
    {
        Bag big = Samples.Bag();
        big.Items = Enumerable.Range(0, 200).ToList();
        byte[][] valid =
        [
            NetSerializer.Serialize(Samples.Bag()),
            NetSerializer.Serialize(new Bag()),
            NetSerializer.Serialize(new Bag { Items = [], Counts = [], Ids = [], Tags = [], Data = [], Inner = new Bag { Inner = new Bag { Inner = new Bag() } } }),
            NetSerializer.Serialize(new Bag { Counts = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3 }, Tags = ["x", "y"], Child = new Child { Name = "n" } }),
            NetSerializer.Serialize(big),
        ];
        TimeSpan cpuBefore = ThreadCpuTime.Now(); // the work's own time: a stopwatch counts the waits of a loaded machine too

        Report report = Attack<Bag>(valid, Mutations(valid, new Random(3), InputsPerType));

        AssertBounded(report, 8 * 1024);
        Assert.InRange(report.Valid, 1, report.Inputs - 1);
        TimeSpan cpu = ThreadCpuTime.Now() - cpuBefore;
        Assert.True(cpu < TimeSpan.FromSeconds(20), $"{cpu} of processor time: {report}");
    }

    [Fact]
    public void Collections_of_every_shape_refuse_hostile_bytes_cleanly()
    {
        byte[][] valid = [NetSerializer.Serialize(Samples.FullCollections()), NetSerializer.Serialize(Samples.EmptyCollections()), NetSerializer.Serialize(new Collections())];

        Report report = Attack<Collections>(valid, Mutations(valid, new Random(4), 20_000));

        Assert.Equal(20_000, report.Inputs);
        Assert.True(report.TotalAllocated / report.Inputs < 8 * 1024, report.ToString());
    }

    [Fact]
    public void Custom_serializers_fail_through_NetSerializationException_too()
    {
        byte[][] valid = [NetSerializer.Serialize(new Painted { Color = new Rgb(1, 2, 3), Palette = [new Rgb(4, 5, 6)], When = DateTimeOffset.UnixEpoch })];

        Report report = Attack<Painted>(valid, Mutations(valid, new Random(5), 5_000), userCodeMayThrow: true);

        Assert.Equal(5_000, report.Inputs);
    }

    private static byte[] NodeBomb(int depth)
    {
        // Node: Next (presence byte, then the node), Value (int). Depth presence bytes of 1, a 0, then the values.
        byte[] bytes = new byte[depth + 1 + (4 * (depth + 1))];
        bytes.AsSpan(0, depth).Fill(1);
        return bytes;
    }

    [Fact]
    public void A_recursive_message_nested_10000_deep_is_refused_at_the_depth_limit_without_deep_recursion()
    {
        byte[] bomb = NodeBomb(10_000);
        NetSerializer.TryDeserialize<Node>(NodeBomb(100), out _); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<Node>(bomb));
        Assert.False(NetSerializer.TryDeserialize<Node>(bomb, out _));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("nesting depth", error.Detail, StringComparison.Ordinal);
        Assert.Equal("Travelers.Runtime.Tests.Node", error.MessageType);
        Assert.Equal("Next", error.Member);
        Assert.InRange(error.Offset, 0, NetLimits.Default.MaxDepth + 1);
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated");
    }

    [Fact]
    public void A_recursive_class_with_collections_nested_10000_deep_is_refused()
    {
        // Bag: Items, Counts, Ids, Tags, Data null (0 each), then Inner present (1) ... 10,000 times.
        var bytes = new List<byte>();
        for (int i = 0; i < 10_000; i++)
        {
            bytes.AddRange([0, 0, 0, 0, 0, 1]);
        }

        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<Bag>(bytes.ToArray(), Limits));

        Assert.Contains("nesting depth", error.Detail, StringComparison.Ordinal);
        Assert.Equal("Inner", error.Member);
    }

    [Fact]
    public void Serializing_a_chain_deeper_than_MaxDepth_throws_instead_of_overflowing_the_stack()
    {
        var head = new Node();
        Node tail = head;
        for (int i = 0; i < 100_000; i++)
        {
            tail.Next = new Node { Value = i };
            tail = tail.Next;
        }

        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(head));
        Assert.Contains("nesting depth", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, int.MaxValue)] // Items: List<int>
    [InlineData(1, int.MaxValue)] // Counts: Dictionary<string, int>
    [InlineData(2, int.MaxValue)] // Ids: HashSet<long>
    [InlineData(3, int.MaxValue)] // Tags: string[]
    [InlineData(4, int.MaxValue)] // Data: byte[]
    [InlineData(0, 1024)] // at the limit, but no bytes follow
    [InlineData(1, 1024)]
    [InlineData(3, 1024)]
    [InlineData(4, 1024)]
    public void A_declared_count_is_refused_before_anything_sized_by_it_is_allocated(int member, int count)
    {
        byte[] bytes = Bytes.Concat(new byte[member], Bytes.VarUInt((ulong)count + 1), [1, 2, 3]);
        NetSerializer.TryDeserialize<Bag>(bytes, Limits, out _); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool accepted = NetSerializer.TryDeserialize<Bag>(bytes, Limits, out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(accepted);
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated for a refused count of {count}");
    }

    [Fact]
    public void A_string_length_of_two_to_the_63_is_refused_before_allocating()
    {
        byte[] bytes = Bytes.Concat(Bytes.VarUInt(1UL << 63), new byte[16]);
        NetSerializer.TryDeserialize<ChatLine>(bytes, Limits, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<ChatLine>(bytes, Limits));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("From", error.Member);
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated");
        Assert.Contains("VarUInt32", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 40_000L)] // I16: zigzag varint of a value outside short
    [InlineData(0, -40_000L)]
    [InlineData(1, 65_536L)] // U16
    [InlineData(2, 0x1_0041L)] // Ch: 'A' + 65536
    public void A_VarInt_member_whose_varint_does_not_fit_its_16_bit_type_is_refused_not_wrapped(int member, long value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new NetWriter(buffer);
        for (int i = 0; i < 7; i++)
        {
            if (i == member)
            {
                if (i == 0)
                {
                    writer.WriteVarInt32((int)value);
                }
                else
                {
                    writer.WriteVarUInt32((uint)value);
                }
            }
            else
            {
                writer.WriteByte(0);
            }
        }

        writer.Flush();

        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<VarInts>(buffer.WrittenSpan));
        Assert.Equal(new[] { "I16", "U16", "Ch" }[member], error.Member);
    }

    [Fact]
    public void A_count_of_custom_serialized_elements_that_the_input_cannot_hold_is_refused_before_allocating()
    {
        // Painted: Color (3 bytes), then Palette, a List<Rgb> claiming 65,536 elements with no bytes after it.
        byte[] bytes = Bytes.Concat([1, 2, 3], Bytes.VarUInt(65_537));
        NetSerializer.TryDeserialize<Painted>(bytes, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool accepted = NetSerializer.TryDeserialize<Painted>(bytes, out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(accepted);
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated on the word of a 7-byte input");
    }
}
