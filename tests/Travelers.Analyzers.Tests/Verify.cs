using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Travelers.Analyzers.Tests;

/// <summary>
/// The verifiers every rule test uses: sources compile against this machine's runtime assemblies and the
/// real Travelers.dll (nothing downloaded), with the latest C#. Locations use the testing library's markup:
/// <c>[|...|]</c> or <c>{|#0:...|}</c> with <c>Diagnostic(...).WithLocation(0)</c>.
/// </summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(NetSerializer).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    /// <summary>A diagnostic of the analyzer's only descriptor.</summary>
    public static DiagnosticResult Diagnostic() => CSharpAnalyzerVerifier<TAnalyzer, DefaultVerifier>.Diagnostic();

    /// <summary>A diagnostic of the given descriptor.</summary>
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    /// <summary>Runs the analyzer over <paramref name="source"/> and expects exactly <paramref name="expected"/>.</summary>
    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Runs the analyzer, applies <typeparamref name="TCodeFix"/> (one at a time and with Fix All) and compares with <paramref name="fixedSource"/>.</summary>
    public static Task CodeFixAsync<TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TCodeFix> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    private static void Configure(ProjectState state)
    {
        state.AdditionalReferences.AddRange(s_references.Value);
    }

    /// <summary>The configured analyzer test, for tests that need more state (additional files, several documents).</summary>
    public sealed class AnalyzerTest : AnalyzerTestBase
    {
    }

    /// <summary>The configured analyzer test, open to tests that add to it (the source generator, say).</summary>
    public class AnalyzerTestBase : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public AnalyzerTestBase()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            Configure(TestState);
        }

        protected override ParseOptions CreateParseOptions() => new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
    }

    /// <summary>The configured code-fix test, for tests that need more state than <see cref="CodeFixAsync{TCodeFix}"/> takes, or add to it (the source generators, say).</summary>
    public class CodeFixTest<TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        where TCodeFix : CodeFixProvider, new()
    {
        public CodeFixTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            Configure(TestState);
            Configure(FixedState);
        }

        protected override ParseOptions CreateParseOptions() => new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
    }
}
