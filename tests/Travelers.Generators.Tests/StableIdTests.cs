using Travelers.Generators.Helpers;

namespace Travelers.Generators.Tests;

/// <summary>The id the generator bakes in equals the one the runtime computes, for any name.</summary>
public sealed class StableIdTests
{
    [Theory]
    [InlineData("Game.PlayerInput")]
    [InlineData("Game.Protocol.Snapshot")]
    [InlineData("Ünïcödé.Nachricht")]
    [InlineData("")]
    public void Generator_and_runtime_compute_the_same_id(string fullName) =>
        Assert.Equal(NetMessageRegistry.ComputeStableId(fullName), StableHash.Compute(fullName));

    [Fact]
    public void The_id_is_fnv1a_64_of_the_utf8_name()
    {
        // FNV-1a 64 test vector: "a" -> 0xAF63DC4C8601EC8C (http://www.isthe.com/chongo/tech/comp/fnv/).
        Assert.Equal(0xAF63DC4C8601EC8CUL, StableHash.Compute("a"));
    }

    [Fact]
    public void Generated_code_carries_the_stable_id_and_an_explicit_id_wins()
    {
        (Microsoft.CodeAnalysis.GeneratorDriverRunResult result, _) = GeneratorHarness.Run("""
            using Travelers;
            namespace Game;
            [NetMessage] public partial struct A { public int X; }
            [NetMessage(Id = 42)] public partial struct B { public int X; }
            """);

        string a = result.Sources().Single(s => s.HintName == "Game.A.NetMessage.g.cs").SourceText.ToString();
        string b = result.Sources().Single(s => s.HintName == "Game.B.NetMessage.g.cs").SourceText.ToString();
        Assert.Contains($"MessageId => 0x{StableHash.Compute("Game.A"):X16}UL", a, StringComparison.Ordinal);
        Assert.Contains("MessageId => 0x000000000000002AUL", b, StringComparison.Ordinal);
    }
}
