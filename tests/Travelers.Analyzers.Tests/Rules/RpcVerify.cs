using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Testing;
using Travelers.Generators;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.CannotGenerateRpcAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>Runs <see cref="CannotGenerateRpcAnalyzer"/> as the IDE does, over the compilation the three generators have added to.</summary>
internal static class RpcVerify
{
    public const string Usings = """
        using System.Numerics;
        using System.Threading;
        using System.Threading.Tasks;
        using Travelers;

        """;

    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor, int location, params object[] arguments) =>
        V.Diagnostic(descriptor).WithLocation(location).WithArguments(arguments);

    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = Usings + source, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    public static Task CodeFixAsync<TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TCodeFix> { TestCode = Usings + source, FixedCode = Usings + fixedSource, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    private sealed class AnalyzerTest : V.AnalyzerTestBase
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(NetMessageGenerator), typeof(NetEntityGenerator), typeof(RpcGenerator)];
    }

    private sealed class CodeFixTest<TCodeFix> : V.CodeFixTest<TCodeFix>
        where TCodeFix : CodeFixProvider, new()
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(NetMessageGenerator), typeof(NetEntityGenerator), typeof(RpcGenerator)];
    }
}
