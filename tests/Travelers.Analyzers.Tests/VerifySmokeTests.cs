using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

#pragma warning disable RS1036, RS1038, RS1041, RS2008 // a throwaway analyzer that only checks the verifier harness, never shipped

namespace Travelers.Analyzers.Tests;

public sealed class VerifySmokeTests
{
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class EveryType : DiagnosticAnalyzer
    {
        public static readonly DiagnosticDescriptor Rule = new("TRV9999", "t", "type {0}", "c", DiagnosticSeverity.Warning, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSymbolAction(c => c.ReportDiagnostic(Diagnostic.Create(Rule, c.Symbol.Locations[0], c.Symbol.Name)), SymbolKind.NamedType);
        }
    }

    [Fact]
    public async Task Harness_compiles_against_Travelers_and_matches_markup()
    {
        await Verify<EveryType>.AnalyzerAsync(
            "using Travelers; [NetMessage] public partial struct {|#0:M|} { public int A; }",
            Verify<EveryType>.Diagnostic().WithLocation(0).WithArguments("M"));
    }
}
