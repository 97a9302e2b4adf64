using Microsoft.CodeAnalysis;

namespace Travelers.Generators.Tests;

/// <summary>[Rpc] methods and parameters may have any name: keywords are escaped, and the proxy's own field and local never collide with them.</summary>
public sealed class RpcParameterNameTests
{
    [Theory]
    [InlineData("_target")]
    [InlineData("__call")]
    public void A_parameter_named_like_a_proxy_internal_compiles(string name)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run($$"""
            using System.Threading.Tasks;
            using Travelers;
            namespace NamesGame;
            public partial class Player : NetEntity
            {
                [Replicated] public int Score;
                [Rpc(RpcTarget.Server)] void Aim(int {{name}}) { }
                [Rpc(RpcTarget.Server)] ValueTask<int> Ask(int {{name}}, int target, int context) => new({{name}});
            }
            """);

        Assert.Empty(result.Diagnostics);
        var problems = output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Methods_named_after_keywords_compile()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using Travelers;
            namespace NamesGame;
            public partial class Player : NetEntity
            {
                [Replicated] public int Score;
                [Rpc(RpcTarget.Server)] void @event(int @class) { }
                [Rpc(RpcTarget.Owner)] void @fixed() { }
                [Rpc(RpcTarget.Server)] ValueTask<int> @checked(int value) => new(value);
            }
            """);

        Assert.Empty(result.Diagnostics);
        var problems = output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
