using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Travelers.Generators.Tests;

/// <summary>What the generator cannot generate is an error at the right place, saying how to fix it.</summary>
public sealed class DiagnosticTests
{
    private static readonly DiagnosticAnalyzer s_analyzer = new Travelers.Analyzers.CannotGenerateAnalyzer();

    private static readonly DiagnosticAnalyzer s_entityAnalyzer = new Travelers.Analyzers.CannotGenerateEntityAnalyzer();

    /// <summary>Runs the generator (which must report nothing and skip the type) and the analyzer that reports why.</summary>
    private static ImmutableArray<Diagnostic> Analyze(string source)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics); // the generator generates; the analyzer diagnoses
        return output
            .WithAnalyzers([s_analyzer, s_entityAnalyzer])
            .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
    }

    private static Diagnostic Single(string source, string id)
    {
        ImmutableArray<Diagnostic> diagnostics = Analyze(source);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got: {string.Join("; ", diagnostics)}");
        Assert.Equal(DiagnosticSeverity.Error, matching[0].Severity);
        Assert.True(matching[0].Location.IsInSource, "reported on a source location, so fixes and #pragma reach it");
        return matching[0];
    }

    /// <summary>The source text under a diagnostic.</summary>
    private static string TextAt(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);

    [Fact]
    public void TRV1001_a_type_that_is_not_partial_is_reported_at_its_name()
    {
        Diagnostic d = Single("using Travelers; [NetMessage] public struct Ping { public int A; }", "TRV1001");

        Assert.Equal("Ping", TextAt(d));
        Assert.Contains("add the 'partial' modifier", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TRV1001_a_containing_type_that_is_not_partial_is_named()
    {
        Diagnostic d = Single("using Travelers; public class Outer { [NetMessage] public partial struct Ping { public int A; } }", "TRV1001");

        Assert.Equal("Ping", TextAt(d));
        Assert.Contains("'Outer'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("object", "no fixed shape")]
    [InlineData("System.Action", "delegates")]
    [InlineData("System.IO.Stream", "streams")]
    [InlineData("System.Threading.Thread", "threads")]
    [InlineData("System.Collections.Generic.IList<int>", "interfaces")]
    [InlineData("System.Text.StringBuilder", "not a primitive")]
    [InlineData("int[,]", "multi-dimensional")]
    public void TRV1002_an_unsupported_member_type_is_reported_at_the_member_with_the_reason(string type, string reason)
    {
        Diagnostic d = Single($"using Travelers; [NetMessage] public partial class Bag {{ public {type}? Thing; }}", "TRV1002");

        Assert.Equal("Thing", TextAt(d));
        Assert.Contains(reason, d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("[NetIgnore]", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TRV1003_a_generic_message_is_reported()
    {
        Diagnostic d = Single("using Travelers; [NetMessage] public partial struct Box<T> { public int A; }", "TRV1003");

        Assert.Equal("Box", TextAt(d));
    }

    [Fact]
    public void TRV1003_a_message_nested_in_a_generic_type_is_reported_once_and_alone()
    {
        Diagnostic d = Assert.Single(Analyze("using Travelers; public partial class Outer<T> { [NetMessage] public partial struct Move { public T Value; } }"));
        Assert.Equal("TRV1003", d.Id);
        Assert.Contains("nested in a generic type", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TRV1004_a_class_without_a_usable_constructor_is_reported()
    {
        Diagnostic d = Single("using Travelers; [NetMessage] public partial class Bag { public Bag(string unrelated) { } public int A; }", "TRV1004");

        Assert.Equal("Bag", TextAt(d));
        Assert.Contains("public parameterless constructor", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TRV1004_an_abstract_message_is_reported()
    {
        Diagnostic d = Single("using Travelers; [NetMessage] public abstract partial class Bag { public int A; }", "TRV1004");

        Assert.Contains("abstract", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TRV1005_a_serializer_for_another_type_is_reported_at_the_member()
    {
        Diagnostic d = Single("""
            using Travelers;
            public struct Color { public byte R; }
            public sealed class Wrong : INetSerializer<int>
            {
                public static void Write(ref NetWriter writer, in int value) { }
                public static int Read(ref NetReader reader) => 0;
            }
            [NetMessage] public partial struct Paint { [NetSerializer(typeof(Wrong))] public Color Fill; }
            """, "TRV1005");

        Assert.Equal("Fill", TextAt(d));
        Assert.Contains("INetSerializer<Color>", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_with_errors_gets_no_source_so_the_only_error_is_the_analyzers()
    {
        const string source = "using Travelers; [NetMessage] public partial class Bag { public object? Thing; }";
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(source);

        Assert.Empty(result.Sources());
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal("TRV1002", Assert.Single(Analyze(source)).Id);
    }

    [Fact]
    public void Every_diagnostic_links_to_its_rule_page()
    {
        ImmutableArray<Diagnostic> diagnostics = Analyze("using Travelers; [NetMessage] public class Bag { public object? Thing; }");

        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.EndsWith("/docs/rules/" + d.Id + ".md", d.Descriptor.HelpLinkUri, StringComparison.Ordinal));
    }
}
