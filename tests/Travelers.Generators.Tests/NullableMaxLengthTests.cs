namespace Travelers.Generators.Tests;

/// <summary>
/// [MaxLength] on bytes that may be absent (<c>ReadOnlyMemory&lt;byte&gt;?</c>) bounds the value inside, writing and
/// reading. Run here, in an assembly of its own, rather than among the runtime tests' messages: those all go into one
/// protocol whose hello some tests keep just under a frame's size.
/// </summary>
public sealed class NullableMaxLengthTests
{
    [Fact]
    public void MaxLength_limits_bytes_that_may_be_absent()
    {
        (_, object? returned) = GeneratorHarness.RunProbe("""
            using System;
            using Travelers;
            namespace BytesGame;
            [NetMessage] public partial struct Upload { [MaxLength(2)] public ReadOnlyMemory<byte>? TwoBytes; }
            public static class Probe
            {
                public static string Run()
                {
                    var two = new Upload { TwoBytes = new byte[] { 1, 2 } };
                    string roundTrip = string.Join(",", NetSerializer.Deserialize<Upload>(NetSerializer.Serialize(in two)).TwoBytes!.Value.ToArray());
                    var none = new Upload();
                    string absent = NetSerializer.Deserialize<Upload>(NetSerializer.Serialize(in none)).TwoBytes is null ? "null" : "value";
                    string write;
                    try
                    {
                        var three = new Upload { TwoBytes = new byte[] { 1, 2, 3 } };
                        NetSerializer.Serialize(in three);
                        write = "written";
                    }
                    catch (NetSerializationException e)
                    {
                        write = e.Member ?? "?";
                    }

                    string read;
                    try
                    {
                        NetSerializer.Deserialize<Upload>(new byte[] { 1, 4, 1, 2, 3 }); // present, 3 bytes (count + 1)
                        read = "read";
                    }
                    catch (NetSerializationException e)
                    {
                        read = e.Member ?? "?";
                    }

                    return roundTrip + " " + absent + " " + write + " " + read;
                }
            }
            """);

        Assert.Equal("1,2 null TwoBytes TwoBytes", returned);
    }
}
