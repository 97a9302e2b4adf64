using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Travelers.Generators.Helpers;
using Travelers.Generators.Parser;

namespace Travelers.Generators.Tests;

/// <summary>What the entity generator bakes in agrees with the runtime, and what it writes holds together.</summary>
public sealed class EntityTests
{
    [Fact]
    public void The_entity_type_id_is_the_runtime_stable_id_of_the_full_name_as_a_hex_literal()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run("""
            using Travelers;
            namespace Game;
            public partial class Outer { public partial class Player : NetEntity { [Replicated] public int Score; } }
            """);

        string text = result.Sources().Single(s => s.HintName == "Game.Outer.Player.NetEntity.g.cs").SourceText.ToString();
        Assert.Equal(NetMessageRegistry.ComputeStableId("Game.Outer.Player"), StableHash.Compute("Game.Outer.Player"));
        Assert.Contains($"EntityTypeId => 0x{NetMessageRegistry.ComputeStableId("Game.Outer.Player"):X16}UL;", text, StringComparison.Ordinal);
        Assert.Contains($"EntitySchema => \"Game.Outer.Player#{NetMessageRegistry.ComputeStableId("Game.Outer.Player"):X16}(Score:i32)\";", text, StringComparison.Ordinal);
    }

    public static TheoryData<float, float, float> Ranges => new()
    {
        { 0f, 100f, 0.5f },
        { -512f, 512f, 1f / 512 },
        { 0f, 1f, 0.1f },
        { 0f, 4294967040f, 1f }, // 4 294 967 040 steps: fits 32 bits
        { 0f, 4294967296f, 1f }, // one step too many
        { -1f, 1f, 1E-09f },
        { 0f, 3f, 0.1f }, // 30.000001 steps, which the tolerance takes as 30
        { 1f, 1f, 1f },
        { 1f, 0f, 1f },
        { 0f, 1f, 0f },
        { 0f, 1f, -1f },
        { float.NaN, 1f, 1f },
        { 0f, float.PositiveInfinity, 1f },
        { 0f, 1f, float.Epsilon },
        { -3.4E+38f, 3.4E+38f, 1E+30f },
    };

    [Theory]
    [MemberData(nameof(Ranges))]
    public void The_parser_accepts_exactly_the_ranges_the_runtime_accepts(float min, float max, float precision)
    {
        // TRV4004 is reported instead of generating code whose type initializer would throw.
        bool runtimeAccepts;
        try
        {
            Quantization.BitsFor(min, max, precision);
            runtimeAccepts = true;
        }
        catch (ArgumentOutOfRangeException)
        {
            runtimeAccepts = false;
        }

        Assert.Equal(runtimeAccepts, ReplicatedMemberReader.QuantizeProblem(min, max, precision) is null);
    }

    [Fact]
    public void The_parser_accepts_exactly_the_ranges_the_runtime_accepts_for_random_ranges()
    {
        var random = new Random(20240611);
        for (int i = 0; i < 10_000; i++)
        {
            float min = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(0, 12)));
            float max = min + (float)(random.NextDouble() * Math.Pow(10, random.Next(0, 12)));
            float precision = (float)Math.Pow(10, -random.Next(0, 10)) * (float)random.NextDouble();
            bool runtimeAccepts = true;
            try
            {
                Quantization.BitsFor(min, max, precision);
            }
            catch (ArgumentOutOfRangeException)
            {
                runtimeAccepts = false;
            }

            Assert.True(runtimeAccepts == (ReplicatedMemberReader.QuantizeProblem(min, max, precision) is null), $"({min:R}, {max:R}, {precision:R})");
        }
    }

    [Fact]
    public void Generated_public_members_are_documented()
    {
        // A game that builds its documentation with warnings as errors must not fail on CS1591 in generated code.
        var options = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        CSharpCompilation input = GeneratorHarness.Compile().AddSyntaxTrees(CSharpSyntaxTree.ParseText("""
            using System.Numerics;
            using Travelers;
            namespace Game;
            /// <summary>A player.</summary>
            public partial class Player : NetEntity
            {
                /// <summary>Where.</summary>
                [Replicated, Quantize(-100, 100, 0.01f)] public partial Vector3 Position { get; set; }
                /// <summary>Who.</summary>
                [Replicated, MaxLength(16)] public partial string Name { get; set; }
                /// <summary>How many.</summary>
                [Replicated] public int Score;
            }
            /// <summary>A boss.</summary>
            public sealed partial class Boss : Player
            {
                /// <summary>Which phase.</summary>
                [Replicated, Bits(3)] public partial int Phase { get; set; }
            }
            """, options, "Source0.cs"));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new NetMessageGenerator().AsSourceGenerator(), new NetEntityGenerator().AsSourceGenerator()], parseOptions: options);

        driver.RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);

        Assert.Equal(4, output.SyntaxTrees.Count()); // the source, Player, Boss and the registration
        var problems = output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Abstract_and_private_entities_are_generated_but_not_registered_and_registration_is_ordered_by_name()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using Travelers;
            namespace Game;
            public partial class Zebra : NetEntity { [Replicated] public int A; }
            public abstract partial class Animal : NetEntity { [Replicated] public int Legs; }
            public partial class Ant : Animal { [Replicated] public bool Queen; }
            public partial class Zoo { private partial class Hidden : NetEntity { [Replicated] public int B; } }
            """);

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(
            ["Game.Animal.NetEntity.g.cs", "Game.Ant.NetEntity.g.cs", "Game.Zebra.NetEntity.g.cs", "Game.Zoo.Hidden.NetEntity.g.cs", "Travelers.EntityRegistration.g.cs"],
            result.Sources().Select(s => s.HintName).Order(StringComparer.Ordinal));
        string registration = result.Sources().Single(s => s.HintName == "Travelers.EntityRegistration.g.cs").SourceText.ToString();
        string[] registered = registration.Split('\n').Where(l => l.Contains("RegisterEntity", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();
        Assert.Equal(
            [
                "global::Travelers.NetMessageRegistry.RegisterEntity<global::Game.Ant, global::Game.Ant.State>();",
                "global::Travelers.NetMessageRegistry.RegisterEntity<global::Game.Zebra, global::Game.Zebra.State>();",
            ],
            registered);
        Assert.Contains("CreateReplica() => throw new global::System.InvalidOperationException(\"Game.Animal is abstract", result.Sources().Single(s => s.HintName == "Game.Animal.NetEntity.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_abstract_entities_get_no_registration_file()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run("using Travelers; public abstract partial class Animal : NetEntity { [Replicated] public int Legs; }");

        Assert.Equal(["Animal.NetEntity.g.cs"], result.Sources().Select(s => s.HintName));
    }

    [Fact]
    public void More_than_32_members_take_a_mask_of_several_words()
    {
        string fields = string.Join(", ", Enumerable.Range(0, 34).Select(i => "F" + i));
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run($"using Travelers; namespace Game; public partial class Wide : NetEntity {{ [Replicated] public bool {fields}; [Replicated] public int Last; }}");

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string text = result.Sources().Single(s => s.HintName == "Game.Wide.NetEntity.g.cs").SourceText.ToString();
        Assert.Contains("writer.WriteBits(changed0, 32);", text, StringComparison.Ordinal);
        Assert.Contains("writer.WriteBits(changed1, 3);", text, StringComparison.Ordinal);
        Assert.Contains("if ((changed1 & (1u << 2)) != 0)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Members_named_after_keywords_are_escaped()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("using Travelers; namespace Game; public partial class Odd : NetEntity { [Replicated] public int @class; [Replicated] public partial float @event { get; set; } }");

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains("(class:i32;event:f32)", result.Sources().Single(s => s.HintName == "Game.Odd.NetEntity.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }
}
