using Microsoft.CodeAnalysis;

namespace Travelers.Generators.Tests;

/// <summary>Message members named after C# keywords (<c>@class</c>, <c>@event</c>) are escaped in the generated code, as entity members are.</summary>
public sealed class MessageKeywordMemberTests
{
    [Fact]
    public void Members_named_after_keywords_compile_and_round_trip()
    {
        (GeneratorDriverRunResult result, object? returned) = GeneratorHarness.RunProbe("""
            using Travelers;
            namespace KeywordGame;
            [NetMessage] public partial struct Move { public int @class; public float @fixed; public string? @event; }
            [NetMessage] public partial class Setting { public int @checked { get; init; } public required string @base { get; set; } }
            public static class Probe
            {
                public static string Run()
                {
                    var move = new Move { @class = 3, @fixed = 1.5f, @event = "jump" };
                    Move m = NetSerializer.Deserialize<Move>(NetSerializer.Serialize(in move));
                    var setting = new Setting { @checked = 7, @base = "b" };
                    Setting s = NetSerializer.Deserialize<Setting>(NetSerializer.Serialize(in setting));
                    return m.@class + " " + m.@fixed + " " + m.@event + " " + s.@checked + " " + s.@base;
                }
            }
            """);

        string schema = result.Sources().Single(s => s.HintName == "KeywordGame.Move.NetMessage.g.cs").SourceText.ToString();
        Assert.Contains("(class:i32;fixed:f32;event:str)", schema, StringComparison.Ordinal);

        Assert.Equal("3 1.5 jump 7 b", returned);
    }
}
