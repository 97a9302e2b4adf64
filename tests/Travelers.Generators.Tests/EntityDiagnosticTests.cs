using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Travelers.Generators.Tests;

/// <summary>
/// What the generator cannot generate for an entity (TRV4001-TRV4008) is an error at the right place, saying how to
/// fix it; the generator itself reports nothing and skips the type.
/// </summary>
public sealed class EntityDiagnosticTests
{
    private const string Usings = "using System.Numerics; using Travelers; ";

    private static readonly DiagnosticAnalyzer s_analyzer = new Travelers.Analyzers.CannotGenerateEntityAnalyzer();

    private static (ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Run) Analyze(string source)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(Usings + source);
        Assert.Empty(result.Diagnostics); // the generator generates; the analyzer diagnoses
        return (AnalyzerDiagnosticsAsync(output).GetAwaiter().GetResult(), result);
    }

    /// <summary>What the entity analyzer reports on the generator's output.</summary>
    private static Task<ImmutableArray<Diagnostic>> AnalyzerDiagnosticsAsync(Compilation output) =>
        output.WithAnalyzers([s_analyzer]).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);

    /// <summary>The one diagnostic of <paramref name="id"/>, which must be the only diagnostic; the type it is in gets no file.</summary>
    private static Diagnostic Single(string source, string id)
    {
        (ImmutableArray<Diagnostic> diagnostics, GeneratorDriverRunResult run) = Analyze(source);
        Assert.True(diagnostics.Length == 1 && diagnostics[0].Id == id, $"expected one {id}, got: {string.Join("; ", diagnostics)}");
        Assert.Equal(DiagnosticSeverity.Error, diagnostics[0].Severity);
        Assert.True(diagnostics[0].Location.IsInSource, "reported on a source location, so fixes and #pragma reach it");
        Assert.EndsWith("/docs/rules/" + id + ".md", diagnostics[0].Descriptor.HelpLinkUri, StringComparison.Ordinal);
        string type = diagnostics[0].Location.SourceTree!.GetRoot().FindNode(diagnostics[0].Location.SourceSpan)
            .AncestorsAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>().First().Identifier.Text;
        Assert.DoesNotContain(run.Sources(), s => s.HintName == type + ".NetEntity.g.cs" || s.HintName.EndsWith("." + type + ".NetEntity.g.cs", StringComparison.Ordinal));
        return diagnostics[0];
    }

    private static string TextAt(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);

    [Theory]
    [InlineData("public class Plain { [Replicated] public int Score; }", "Plain")]
    [InlineData("public partial struct Value { [Replicated] public int Score; }", "Value")]
    [InlineData("public partial class NotAnEntity : System.Exception { [Replicated] public int Score; }", "NotAnEntity")]
    public void TRV4001_a_replicated_member_outside_an_entity_is_reported_at_the_member(string source, string type)
    {
        Diagnostic d = Single(source, "TRV4001");

        Assert.Equal("Score", TextAt(d));
        Assert.Equal($"'Score' is [Replicated], but '{type}' does not derive from Travelers.NetEntity, so nothing replicates it: derive '{type}' from NetEntity, or remove [Replicated]", d.GetMessage());
    }

    [Fact]
    public void TRV4002_an_entity_that_is_not_partial_is_reported_at_its_name()
    {
        Diagnostic d = Single("public class Player : NetEntity { [Replicated] public int Score; }", "TRV4002");

        Assert.Equal("Player", TextAt(d));
        Assert.Equal("Travelers cannot generate the replication code of 'Player': add the 'partial' modifier to 'Player'", d.GetMessage());
    }

    [Fact]
    public void TRV4002_a_containing_type_that_is_not_partial_is_named()
    {
        Diagnostic d = Single("public class Outer { public partial class Player : NetEntity { [Replicated] public int Score; } }", "TRV4002");

        Assert.Equal("Player", TextAt(d));
        Assert.Contains("add the 'partial' modifier to 'Outer'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("object?", "object?")]
    [InlineData("int?", "int?")]
    [InlineData("decimal", "decimal")]
    [InlineData("System.Guid", "System.Guid")]
    [InlineData("System.Collections.Generic.List<int>?", "System.Collections.Generic.List<int>?")]
    [InlineData("int[]?", "int[]?")]
    public void TRV4003_an_unsupported_member_type_is_reported_at_the_member_with_what_is_supported(string type, string shown)
    {
        Diagnostic d = Single($"public partial class Bag : NetEntity {{ [Replicated] public {type} Thing; }}", "TRV4003");

        Assert.Equal("Thing", TextAt(d));
        Assert.StartsWith($"Member 'Thing' of 'Bag' has type '{shown}', which Travelers cannot replicate: use bool, an integer type", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("Quaternion, string or NetId", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("float", "Quantize(1, 1, 0.5f)", "min (1) must be less than max (1)")]
    [InlineData("float", "Quantize(2, 1, 0.5f)", "min (2) must be less than max (1)")]
    [InlineData("float", "Quantize(0, 1, 0)", "precision (0) must be greater than 0")]
    [InlineData("Vector3", "Quantize(0, 1, -0.5f)", "precision (-0.5) must be greater than 0")]
    [InlineData("float", "Quantize(0, float.PositiveInfinity, 1)", "min, max and precision must be finite numbers")]
    [InlineData("Vector2", "Quantize(float.NaN, 1, 1)", "min, max and precision must be finite numbers")]
    [InlineData("float", "Quantize(-1E+09f, 1E+09f, 0.1f)", "-1E+09 to 1E+09 in steps of 0.1 is 19999999702 steps, more than 32 bits hold; use a larger precision or a smaller range")]
    [InlineData("int", "Quantize(0, 1, 0.5f)", "it applies to float, Vector2, Vector3 and Vector4 members, not to 'int'")]
    [InlineData("Quaternion", "Quantize(0, 1, 0.5f)", "it applies to float, Vector2, Vector3 and Vector4 members, not to 'System.Numerics.Quaternion'")]
    public void TRV4004_an_invalid_quantization_is_reported_at_the_attribute(string type, string attribute, string reason)
    {
        Diagnostic d = Single($"public partial class Ship : NetEntity {{ [Replicated, {attribute}] public {type} Speed; }}", "TRV4004");

        Assert.Equal(attribute, TextAt(d));
        Assert.StartsWith("[Quantize] on 'Speed' is invalid: " + reason, d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Replicated] public static int Count;", "Count", "it is static")]
    [InlineData("[Replicated] public const int Max = 3;", "Max", "it is a constant")]
    [InlineData("[Replicated] public readonly int Seed;", "Seed", "it is a readonly field, which a client could not set; remove 'readonly'")]
    [InlineData("[Replicated] public int Level { get; set; }", "Level", "it is not a partial property")]
    [InlineData("[Replicated] public partial int Level { get; }", "Level", "it has no set or init accessor")]
    [InlineData("[Replicated] public static partial int Level { get; set; }", "Level", "it is static")]
    public void TRV4005_a_member_that_cannot_be_replicated_as_declared_is_reported_at_the_member(string member, string name, string reason)
    {
        (ImmutableArray<Diagnostic> diagnostics, _) = Analyze($"public partial class Ship : NetEntity {{ {member} }}");

        Diagnostic d = Assert.Single(diagnostics, x => x.Id == "TRV4005");
        Assert.Equal(name, TextAt(d));
        Assert.StartsWith($"'{name}' cannot be replicated: {reason}", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public partial int Hp { get; private set; }", "its set accessor is not accessible from 'Tank'")]
    [InlineData("private int Hp;", "it is not accessible from 'Tank'")]
    [InlineData("public partial int Hp { get; init; }", "its init accessor cannot be called on a copy that exists already; make it 'set'")]
    public void TRV4005_an_inherited_member_the_derived_entity_cannot_set_is_reported_at_the_derived_type(string member, string reason)
    {
        Diagnostic d = Single($$"""
            public partial class Unit : NetEntity { [Replicated] {{member}} }
            public partial class Tank : Unit { [Replicated] public partial int Gear { get; set; } }
            """, "TRV4005");

        Assert.Equal("Tank", TextAt(d));
        Assert.Equal($"'Unit.Hp' cannot be replicated: 'Tank' derives from 'Unit' and replicates this member too, but {reason}", d.GetMessage());
    }

    [Fact]
    public void TRV4005_a_member_with_the_name_of_an_inherited_replicated_member_is_reported()
    {
        Diagnostic d = Single("""
            public partial class Unit : NetEntity { [Replicated] public int Hp; }
            public partial class Tank : Unit { [Replicated] public new int Hp; }
            """, "TRV4005");

        Assert.Equal("Hp", TextAt(d));
        Assert.Contains("a replicated member of 'Unit', which it derives from, has the same name", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("int", "Bits(33)", "it must be 1 to 32 for 'int', not 33")]
    [InlineData("byte", "Bits(0)", "it must be 1 to 8 for 'byte', not 0")]
    [InlineData("long", "Bits(65)", "it must be 1 to 64 for 'long', not 65")]
    [InlineData("System.DayOfWeek", "Bits(40)", "it must be 1 to 32 for 'System.DayOfWeek', not 40")]
    [InlineData("Quaternion", "Bits(3)", "it must be 4 to 16 for a Quaternion")]
    [InlineData("Quaternion", "Bits(17)", "it must be 4 to 16 for a Quaternion")]
    [InlineData("float", "Bits(8)", "it applies to integers, enums and Quaternion, not to 'float'")]
    [InlineData("bool", "Bits(1)", "it applies to integers, enums and Quaternion, not to 'bool'")]
    public void TRV4006_an_invalid_width_is_reported_at_the_attribute(string type, string attribute, string reason)
    {
        Diagnostic d = Single($"public partial class Ship : NetEntity {{ [Replicated, {attribute}] public {type} Value; }}", "TRV4006");

        Assert.Equal(attribute, TextAt(d));
        Assert.StartsWith("[Bits] on 'Value' is invalid: " + reason, d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public partial class Box<T> : NetEntity { [Replicated] public int Count; }", "it is generic or nested in a generic type")]
    [InlineData("public partial class Crate : NetEntity { public Crate(int size) { } [Replicated] public int Count; }", "it has no parameterless constructor")]
    [InlineData("public partial class Crate : NetEntity { [Replicated] public required int Count; }", "it has required members")]
    public void TRV4007_an_entity_clients_cannot_create_is_reported_at_its_name(string source, string reason)
    {
        Diagnostic d = Single(source, "TRV4007");

        Assert.True(TextAt(d) is "Box" or "Crate");
        Assert.Contains(reason, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TRV4007_an_entity_nested_in_a_generic_type_is_reported_once_and_alone()
    {
        (ImmutableArray<Diagnostic> diagnostics, _) = Analyze("public partial class Outer<T> { public partial class Crate : NetEntity { [Replicated] public T? Value; } }");

        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("TRV4007", d.Id);
    }

    [Fact]
    public void Abstract_entities_and_a_private_parameterless_constructor_are_fine()
    {
        (ImmutableArray<Diagnostic> diagnostics, GeneratorDriverRunResult run) = Analyze("""
            public abstract partial class Unit : NetEntity { protected Unit(int hp) { } [Replicated] public int Hp; }
            public partial class Tank : Unit { private Tank() : base(1) { } [Replicated] public float Speed; }
            """);

        Assert.Empty(diagnostics);
        Assert.Equal(
            ["Game.Tank.NetEntity.g.cs", "Travelers.EntityRegistration.g.cs", "Unit.NetEntity.g.cs"],
            run.Sources().Select(s => s.HintName.Replace("Tank", "Game.Tank", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_derived_entity_of_a_base_with_errors_is_skipped_and_only_the_base_is_reported()
    {
        (ImmutableArray<Diagnostic> diagnostics, GeneratorDriverRunResult run) = Analyze("""
            public partial class Unit : NetEntity { [Replicated] public object? Thing; }
            public partial class Tank : Unit { [Replicated] public int Gear; }
            """);

        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal(("TRV4003", "Thing"), (d.Id, TextAt(d)));
        Assert.Empty(run.Sources());
    }

    [Fact]
    public void Independent_problems_of_one_member_are_all_reported()
    {
        (ImmutableArray<Diagnostic> diagnostics, _) = Analyze("public partial class Ship : NetEntity { [Replicated, Bits(40)] public static readonly int Level; }");

        Assert.Equal(["TRV4005", "TRV4006"], diagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// A type whose replication cannot be generated still gets its partial [Replicated] properties implemented (throwing):
    /// without them the compiler reported CS9248 on each, and <c>dotnet build</c>, stopping at that declaration error
    /// before the analyzers ran, showed only CS9248 (often on a valid member), never the error that names the cause.
    /// </summary>
    [Theory]
    [InlineData("public partial class P : NetEntity { [Replicated] public partial int X { get; set; } [Replicated] public System.Collections.Generic.List<int> Y = new(); }", "TRV4003")]
    [InlineData("public partial class P : NetEntity { [Replicated] public partial int X { get; set; } [Replicated] public partial int Level { get; } }", "TRV4005")]
    [InlineData("public partial class P : NetEntity { [Replicated] public partial string? Name { get; protected set; } [Replicated] public static partial int Count { get; set; } }", "TRV4005")]
    [InlineData("public partial class P : NetEntity { [Replicated] public partial int X { get; init; } [Replicated, Quantize(0, 1, 0)] public float Speed; }", "TRV4004")]
    [InlineData("public partial class P : NetEntity { public P(int x) { } [Replicated] public partial Vector3 X { get; set; } }", "TRV4007")]
    [InlineData("public partial class P : NetEntity { [Replicated] public partial int State { get; set; } }", "TRV4008")]
    [InlineData("public partial class P : NetEntity { public P() { } [Replicated] public required partial int X { get; set; } [Replicated] public virtual partial string Y { get; protected internal set; } }", "TRV4007")]
    [InlineData("public partial class P { [Replicated] public partial int X { get; set; } }", "TRV4001")]
    [InlineData("public partial class P<T> : NetEntity where T : struct { [Replicated] public partial T X { get; set; } [Replicated] public partial int Y { get; set; } }", "TRV4007")]
    [InlineData("public partial class Box<T> { public partial class P : NetEntity { [Replicated] public partial int X { get; set; } } } public partial class P : NetEntity { [Replicated] public partial int X { get; set; } [Replicated] public object? Z; }", "TRV4007")]
    [InlineData("public partial class Outer { public partial class P : NetEntity { [Replicated] public partial int @class { get; set; } [Replicated] public object? Y; } }", "TRV4003")]
    [InlineData("public partial class @class : NetEntity { [Replicated] public partial int X { get; set; } [Replicated] public object? Y; }", "TRV4003")]
    [InlineData("public partial class @event { public partial class P : NetEntity { [Replicated] public partial int X { get; set; } [Replicated] public object? Y; } }", "TRV4003")]
    [InlineData("public partial class P<@in> : NetEntity { [Replicated] public partial int X { get; set; } }", "TRV4007")]
    [InlineData("public partial struct P { [Replicated] public partial int X { get; set; } }", "TRV4001")]
    [InlineData("public partial class P_1 { [Replicated] public partial int X { get; set; } } public partial class P<T> { [Replicated] public partial int X { get; set; } }", "TRV4001")]
    [InlineData("public readonly partial struct P { [Replicated] public partial int X { get; } }", "TRV4001")]
    [InlineData("public partial record struct P { [Replicated] public partial int X { get; set; } }", "TRV4001")]
    [InlineData("public partial interface P { [Replicated] public partial int X { get; set; } }", "TRV4001")]
    [InlineData("public partial class P : NetEntity { [Replicated] public partial System.ReadOnlySpan<byte> X { get; set; } }", "TRV4003")]
    public async Task A_type_with_errors_gets_its_partial_properties_implemented_so_only_its_error_is_reported(string source, string id)
    {
        (GeneratorDriverRunResult run, Compilation output) = GeneratorHarness.Run(Usings + source);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains(run.Sources(), s => s.HintName.EndsWith(".NetEntity.Stub.g.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Sources(), s => s.HintName.EndsWith("P.NetEntity.g.cs", StringComparison.Ordinal));

        Assert.Contains(await AnalyzerDiagnosticsAsync(output), d => d.Id == id);
    }

    [Fact]
    public void A_type_with_errors_whose_declaration_cannot_be_repeated_gets_no_stub()
    {
        // Not partial (the compiler's own CS0751 then names the problem), implemented by hand (an extern implementation has
        // no body either), or returning a reference: no file is written for them.
        (GeneratorDriverRunResult run, _) = GeneratorHarness.Run(Usings + """
            public class NotPartial : NetEntity { [Replicated] public partial int X { get; set; } }
            public partial class ByRef : NetEntity { [Replicated] public partial ref int X { get; } }
            public partial class HandWritten : NetEntity
            {
                [Replicated] public partial int X { get; set; }
                public partial int X { get => 1; set { } }
                [Replicated] public object? Y;
            }
            public partial class Extern : NetEntity
            {
                [Replicated] public partial int X { get; set; }
                public extern partial int X { get; set; }
                [Replicated] public object? Y;
            }
            """);

        Assert.Empty(run.Sources().Select(s => s.HintName));
    }
}
