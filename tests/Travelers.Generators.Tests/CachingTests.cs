using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Travelers.Generators.Tests;

/// <summary>The pipeline caches: unrelated edits leave every output Cached or Unchanged, and models hold no compiler objects.</summary>
public sealed class CachingTests
{
    private const string Messages = """
        using Travelers;
        namespace Game;
        [NetMessage] public partial struct PlayerInput { public uint Tick; public float X; }
        [NetMessage] public partial record ChatLine(string From, string Text);
        """;

    private const string Entities = """
        using System.Numerics;
        using Travelers;
        namespace Game;
        public partial class Player : NetEntity
        {
            [Replicated] public partial Vector3 Position { get; set; }
            [Replicated, Quantize(0, 100, 0.5f)] public partial float Health { get; set; }
            [Replicated] public int Score;
        }
        public partial class Crate : NetEntity { [Replicated, Bits(10)] public partial Quaternion Rotation { get; set; } }
        """;

    private static readonly string[] Steps =
    {
        NetMessageGenerator.ParseStep, NetMessageGenerator.ModelStep, NetMessageGenerator.RegistryStep,
    };

    private static readonly string[] EntitySteps =
    {
        NetEntityGenerator.ParseStep, NetEntityGenerator.ModelStep, NetEntityGenerator.CollectStep, NetEntityGenerator.EntityStep,
    };

    [Fact]
    public void Running_twice_on_the_same_compilation_caches_every_step()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Messages);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.Clone());

        AssertAllCachedOrUnchanged(driver.GetRunResult());
    }

    [Fact]
    public void An_unrelated_edit_leaves_every_output_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Messages, "namespace Game; public class Other { public int A; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        SyntaxTree edited = CSharpSyntaxTree.ParseText("namespace Game; public class Other { public int A; public int B; }", GeneratorHarness.ParseOptions, other.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(other, edited));

        AssertAllCachedOrUnchanged(driver.GetRunResult());
    }

    [Fact]
    public void Moving_a_message_down_the_file_does_not_regenerate_its_source()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Messages);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SyntaxTree moved = CSharpSyntaxTree.ParseText("// a comment that shifts every position\n\n" + Messages, GeneratorHarness.ParseOptions, tree.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, moved));

        GeneratorRunResult result = driver.GetRunResult().Of<NetMessageGenerator>();
        Assert.All(result.TrackedSteps[NetMessageGenerator.ModelStep].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void Changing_a_member_regenerates_that_message()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Messages);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SyntaxTree changed = CSharpSyntaxTree.ParseText(Messages.Replace("public float X;", "public double X;"), GeneratorHarness.ParseOptions, tree.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, changed));

        GeneratorRunResult result = driver.GetRunResult().Of<NetMessageGenerator>();
        Assert.Contains(result.TrackedSteps[NetMessageGenerator.ModelStep].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("X:f64", result.GeneratedSources.Single(s => s.HintName.StartsWith("Game.PlayerInput", StringComparison.Ordinal)).SourceText.ToString());
    }

    [Fact]
    public void Models_hold_no_symbols_syntax_locations_semantic_models_or_compilations()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Messages, """
            using System.Collections.Generic;
            using Travelers;
            namespace Game;
            [NetMessage] public partial class Bad { public object? Anything; }
            [NetMessage] public partial class Inventory { public List<int> Items = new(); public Dictionary<string, int?> Counts = new(); }
            """);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        GeneratorRunResult result = driver.GetRunResult().Of<NetMessageGenerator>();
        var outputs = result.TrackedSteps[NetMessageGenerator.ParseStep].SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.Equal(4, outputs.Count);
        foreach (object value in outputs)
        {
            AssertHoldsNoCompilerObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), "model");
        }
    }

    [Fact]
    public void Running_twice_on_the_same_compilation_caches_every_entity_step()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Entities);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.Clone());

        AssertAllCachedOrUnchanged(driver.GetRunResult().Of<NetEntityGenerator>(), EntitySteps);
    }

    [Fact]
    public void An_unrelated_edit_leaves_every_entity_step_and_output_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Entities, "namespace Game; public class Other { public int A; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        SyntaxTree edited = CSharpSyntaxTree.ParseText("namespace Game; public class Other { public int A; public int B; }", GeneratorHarness.ParseOptions, other.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(other, edited));

        AssertAllCachedOrUnchanged(driver.GetRunResult().Of<NetEntityGenerator>(), EntitySteps);
    }

    [Fact]
    public void Moving_an_entity_down_the_file_does_not_regenerate_its_source()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Entities);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SyntaxTree moved = CSharpSyntaxTree.ParseText("// a comment that shifts every position\n\n" + Entities, GeneratorHarness.ParseOptions, tree.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, moved));

        GeneratorRunResult result = driver.GetRunResult().Of<NetEntityGenerator>();
        foreach (string step in new[] { NetEntityGenerator.ModelStep, NetEntityGenerator.CollectStep, NetEntityGenerator.EntityStep })
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void Changing_a_member_regenerates_that_entity_only()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Entities);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SyntaxTree changed = CSharpSyntaxTree.ParseText(Entities.Replace("public int Score;", "public long Score;"), GeneratorHarness.ParseOptions, tree.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, changed));

        GeneratorRunResult result = driver.GetRunResult().Of<NetEntityGenerator>();
        var entities = result.TrackedSteps[NetEntityGenerator.EntityStep].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(
            [("Game.Crate", IncrementalStepRunReason.Unchanged), ("Game.Player", IncrementalStepRunReason.Modified)],
            entities.Select(o => (((Model.EntityModel)o.Value).FullName, o.Reason)).OrderBy(e => e.FullName, StringComparer.Ordinal));
        Assert.Contains("Score:i64", result.GeneratedSources.Single(s => s.HintName == "Game.Player.NetEntity.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_member_of_a_type_yields_the_same_model_and_one_file_is_written()
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile(Entities));

        GeneratorRunResult result = driver.GetRunResult().Of<NetEntityGenerator>();
        var models = result.TrackedSteps[NetEntityGenerator.ModelStep].SelectMany(s => s.Outputs).Select(o => (Model.EntityModel)o.Value).ToList();
        Assert.Equal(4, models.Count); // Position, Health, Score, Rotation
        Assert.Equal(3, models.Count(m => m.FullName == "Game.Player"));
        Assert.Single(models.Where(m => m.FullName == "Game.Player").Distinct());
        Assert.Equal(
            ["Game.Crate.NetEntity.g.cs", "Game.Player.NetEntity.g.cs", "Travelers.EntityRegistration.g.cs"],
            result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Entity_models_hold_no_symbols_syntax_locations_semantic_models_or_compilations()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Entities, """
            using Travelers;
            namespace Game;
            public partial class Bad : NetEntity { [Replicated] public object? Anything; }
            public partial class Child : Player { [Replicated, MaxLength(8)] public partial string Tag { get; set; } }
            """);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        GeneratorRunResult result = driver.GetRunResult().Of<NetEntityGenerator>();
        var outputs = result.TrackedSteps[NetEntityGenerator.ParseStep].SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.Equal(6, outputs.Count);
        Assert.Contains(outputs, o => ((Model.EntityParseResult)o).Diagnostics.Count > 0);
        foreach (object value in outputs)
        {
            AssertHoldsNoCompilerObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), "model");
        }
    }

    [Fact]
    public void An_unrelated_edit_leaves_the_stub_of_an_entity_with_errors_cached_and_the_stub_holds_no_compiler_objects()
    {
        const string Broken = "using Travelers; namespace Game; public partial class Broken : NetEntity { [Replicated] public partial int Hp { get; set; } [Replicated] public object? Thing; }";
        CSharpCompilation compilation = GeneratorHarness.Compile(Broken, "namespace Game; public class Other { public int A; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Of<NetEntityGenerator>();
        Assert.Equal(["Game.Broken.NetEntity.Stub.g.cs"], first.GeneratedSources.Select(s => s.HintName));
        Model.EntityStubModel stub = ((Model.EntityParseResult)first.TrackedSteps[NetEntityGenerator.ParseStep].SelectMany(s => s.Outputs).First().Value).Stub!;
        AssertHoldsNoCompilerObjects(stub, new HashSet<object>(ReferenceEqualityComparer.Instance), "stub");

        SyntaxTree other = compilation.SyntaxTrees.Last();
        SyntaxTree edited = CSharpSyntaxTree.ParseText("namespace Game; public class Other { public int A; public int B; }", GeneratorHarness.ParseOptions, other.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(other, edited));

        AssertAllCachedOrUnchanged(driver.GetRunResult().Of<NetEntityGenerator>(), [NetEntityGenerator.ParseStep, NetEntityGenerator.StubStep]);
    }

    private static void AssertAllCachedOrUnchanged(GeneratorDriverRunResult run) => AssertAllCachedOrUnchanged(run.Of<NetMessageGenerator>(), Steps);

    private static void AssertAllCachedOrUnchanged(GeneratorRunResult result, string[] steps)
    {
        foreach (string step in steps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        Assert.NotEmpty(result.TrackedOutputSteps);
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    private static void AssertHoldsNoCompilerObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Location or SemanticModel or Compilation or SyntaxTree, $"{path} holds a {value.GetType().Name}");
        if (value is DiagnosticDescriptor)
        {
            return; // plain strings; descriptors are static and equatable
        }

        if (value is System.Collections.IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertHoldsNoCompilerObjects(item, seen, $"{path}[{i++}]");
            }
        }

        for (Type? t = value.GetType(); t is not null; t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertHoldsNoCompilerObjects(field.GetValue(value), seen, path + "." + field.Name);
            }
        }
    }
}
