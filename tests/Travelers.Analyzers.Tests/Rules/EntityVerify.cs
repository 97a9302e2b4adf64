using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Testing;
using Travelers.Generators;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.CannotGenerateEntityAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>
/// Runs <see cref="CannotGenerateEntityAnalyzer"/> as the IDE does, over the compilation the generators have added
/// to: a valid entity then compiles (its partial properties implemented), and a fixed one too.
/// </summary>
internal static class EntityVerify
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor, int location, params object[] arguments) =>
        V.Diagnostic(descriptor).WithLocation(location).WithArguments(arguments);

    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = source, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Applies <typeparamref name="TCodeFix"/> one diagnostic at a time and with Fix All, and compares with <paramref name="fixedSource"/>.</summary>
    public static Task CodeFixAsync<TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TCodeFix> { TestCode = source, FixedCode = fixedSource, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    private sealed class AnalyzerTest : V.AnalyzerTestBase
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(NetMessageGenerator), typeof(NetEntityGenerator)];
    }

    private sealed class CodeFixTest<TCodeFix> : V.CodeFixTest<TCodeFix>
        where TCodeFix : CodeFixProvider, new()
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(NetMessageGenerator), typeof(NetEntityGenerator)];
    }
}
