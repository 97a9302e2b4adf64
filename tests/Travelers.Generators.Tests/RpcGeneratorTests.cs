using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Travelers.Generators.Helpers;

namespace Travelers.Generators.Tests;

/// <summary>The RPC generator: stable ids the runtime agrees with, incremental caching, skipped methods with errors.</summary>
public sealed class RpcGeneratorTests
{
    private const string Source = """
        using System.Numerics;
        using System.Threading.Tasks;
        using Travelers;
        namespace Game;
        public partial class Player : NetEntity
        {
            [Replicated] public int Score;
            [Rpc(RpcTarget.Server)] void Fire(Vector2 aim) { }
            [Rpc(RpcTarget.Server)] ValueTask<int> Buy(int item) => new(item);
        }
        public partial class Lobby : NetService
        {
            [Rpc(RpcTarget.Server)] void Join([MaxLength(8)] string name) { }
        }
        """;

    private static readonly string[] Steps = [RpcGenerator.ParseStep, RpcGenerator.TypeStep];

    [Fact]
    public void The_rpc_id_is_the_runtime_stable_id_of_type_method_and_parameter_types()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(Source);

        string text = result.Sources().Single(s => s.HintName == "Game.Player.Rpc.g.cs").SourceText.ToString();
        ulong id = NetMessageRegistry.ComputeStableId("Game.Player.Fire(System.Numerics.Vector2)");
        Assert.Equal(id, StableHash.Compute("Game.Player.Fire(System.Numerics.Vector2)"));
        Assert.Contains($"MessageId => 0x{id:X16}UL;", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Running_twice_or_after_an_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Source, "namespace Game; public class Other { public int A; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.Clone());
        AssertCached(driver.GetRunResult().Of<RpcGenerator>());

        SyntaxTree other = compilation.SyntaxTrees.Last();
        SyntaxTree edited = CSharpSyntaxTree.ParseText("namespace Game; public class Other { public int A; public int B; }", GeneratorHarness.ParseOptions, other.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(other, edited));
        AssertCached(driver.GetRunResult().Of<RpcGenerator>());
    }

    [Fact]
    public void Changing_a_method_regenerates_that_type_only()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Source);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SyntaxTree changed = CSharpSyntaxTree.ParseText(Source.Replace("Buy(int item)", "Buy(long item)"), GeneratorHarness.ParseOptions, tree.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, changed));

        GeneratorRunResult result = driver.GetRunResult().Of<RpcGenerator>();
        Assert.Equal(
            [("Game.Lobby", IncrementalStepRunReason.Unchanged), ("Game.Player", IncrementalStepRunReason.Modified)],
            result.TrackedSteps[RpcGenerator.TypeStep].SelectMany(s => s.Outputs).Select(o => (((Model.RpcTypeModel)o.Value).FullName, o.Reason)).OrderBy(e => e.FullName, StringComparer.Ordinal));
    }

    [Fact]
    public void A_method_with_errors_is_left_out_and_the_others_are_generated()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using Travelers;
            namespace Game;
            public partial class Player : NetEntity
            {
                [Replicated] public int Score;
                [Rpc(RpcTarget.Server)] void Fine(int a) { }
                [Rpc(RpcTarget.Server)] void ByRef(ref int a) { }
                [Rpc(RpcTarget.Owner)] ValueTask<int> Answer() => new(1);
                [Rpc(RpcTarget.Server)] System.Threading.Tasks.Task Old() => Task.CompletedTask;
            }
            """);

        string text = result.Sources().Single(s => s.HintName == "Game.Player.Rpc.g.cs").SourceText.ToString();
        Assert.Contains("public void Fine(int a)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ByRef", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Answer", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Old", text, StringComparison.Ordinal);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    private static void AssertCached(GeneratorRunResult result)
    {
        foreach (string step in Steps)
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }
}
