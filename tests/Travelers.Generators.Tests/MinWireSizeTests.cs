using Microsoft.CodeAnalysis;

namespace Travelers.Generators.Tests;

/// <summary>The smallest wire size of a nested struct message, which bounds collection counts before allocating, agrees with how its members are written.</summary>
public sealed class MinWireSizeTests
{
    [Fact]
    public void A_list_of_record_structs_with_a_VarInt_constructor_parameter_round_trips()
    {
        // [VarInt] on a positional parameter makes the member a varint (1 byte for small values): the count check of a
        // List<Stat> must not assume 4 bytes per element, or valid input is refused as "cannot fit".
        (GeneratorDriverRunResult result, object? returned) = GeneratorHarness.RunProbe("""
            using System.Collections.Generic;
            using Travelers;
            namespace VarIntGame;
            [NetMessage] public partial record struct Stat([VarInt] int Value);
            [NetMessage] public partial class Stats { public List<Stat> All = new(); public Stat[] Fixed = System.Array.Empty<Stat>(); }
            public static class Probe
            {
                public static string Run()
                {
                    var stats = new Stats { All = { new Stat(1), new Stat(2) }, Fixed = new[] { new Stat(3), new Stat(4), new Stat(5) } };
                    byte[] bytes = NetSerializer.Serialize(in stats);
                    Stats back = NetSerializer.Deserialize<Stats>(bytes);
                    return string.Join(",", back.All) + ";" + string.Join(",", back.Fixed);
                }
            }
            """);

        string stats = result.Sources().Single(s => s.HintName == "VarIntGame.Stats.NetMessage.g.cs").SourceText.ToString();
        Assert.Contains("ReadCount(0, 1)", stats, StringComparison.Ordinal);
        Assert.DoesNotContain("ReadCount(0, 4)", stats, StringComparison.Ordinal);

        Assert.Equal("Stat { Value = 1 },Stat { Value = 2 };Stat { Value = 3 },Stat { Value = 4 },Stat { Value = 5 }", returned);
    }
}
