using Microsoft.CodeAnalysis;

namespace Travelers.Generators.Tests;

/// <summary>A proxy mirrors its RPC's parameters: a <c>params</c> array stays <c>params</c>, so callers pass the items as they would to the method.</summary>
public sealed class RpcParamsTests
{
    [Fact]
    public void A_params_parameter_is_params_on_the_proxy()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using Travelers;
            namespace ParamsGame;
            public partial class Player : NetEntity
            {
                [Replicated] public int Score;
                [Rpc(RpcTarget.Server)] void Pick(int slot, [MaxLength(8)] params int[] items) { }
                [Rpc(RpcTarget.Owner)] void Show(params string[] lines) { }
            }
            public static class Caller
            {
                public static void Call(Player player)
                {
                    player.Server.Pick(1, 2, 3);
                    player.Server.Pick(1);
                    player.Owner.Show("a", "b");
                }
            }
            """);

        Assert.Empty(result.Diagnostics);
        var problems = output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
