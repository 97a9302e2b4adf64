using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace Travelers.Analyzers.Benchmarks;

/// <summary>
/// <c>-- --per-analyzer</c>: which analyzer the added time comes from. Outside BenchmarkDotNet (a rough
/// guide, not the figure): the median of a few fresh-clone runs of the compiler alone, of the analyzer
/// driver with one analyzer that does nothing (the driver's own cost), of each Travelers analyzer alone
/// and of all of them; then the analyzers' own execution-time telemetry for one run of all of them.
/// </summary>
public static class PerAnalyzer
{
    private const int Runs = 3;

    public static int Run()
    {
        CSharpCompilation compilation = MessageCorpus.Build();
        ImmutableArray<DiagnosticAnalyzer> all = MessageCorpus.Analyzers();

        // The compiler's code tiers up over several runs: warm it first, and time the compiler alone again last.
        for (int i = 0; i < 4; i++)
        {
            _ = compilation.Clone().WithAnalyzers(all, AnalyzerBenchmarks.Options(false)).GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        }

        double compiler = Median(() => compilation.Clone().GetDiagnostics());
        Console.WriteLine($"{"compiler alone",-40} {compiler,8:F0} ms");
        void Row(string name, ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            double ms = Median(() => compilation.Clone().WithAnalyzers(analyzers, AnalyzerBenchmarks.Options(false)).GetAllDiagnosticsAsync().GetAwaiter().GetResult());
            Console.WriteLine($"{name,-40} {ms,8:F0} ms  {(ms / compiler) - 1,7:P0} added");
        }

        Row("driver + a no-op symbol analyzer", ImmutableArray.Create<DiagnosticAnalyzer>(new NoOpSymbolAnalyzer()));
        Row("driver + a no-op syntax node analyzer", ImmutableArray.Create<DiagnosticAnalyzer>(new NoOpSyntaxNodeAnalyzer()));
        foreach (DiagnosticAnalyzer analyzer in all)
        {
            Row(analyzer.GetType().Name + " alone", ImmutableArray.Create(analyzer));
        }

        Row("all Travelers analyzers", all);
        Console.WriteLine($"{"compiler alone, again",-40} {Median(() => compilation.Clone().GetDiagnostics()),8:F0} ms");

        CompilationWithAnalyzers withAnalyzers = compilation.Clone().WithAnalyzers(all, AnalyzerBenchmarks.Options(logAnalyzerExecutionTime: true));
        AnalysisResult result = withAnalyzers.GetAnalysisResultAsync(CancellationToken.None).GetAwaiter().GetResult();
        Console.WriteLine("analyzer execution time (the analyzers' own telemetry, summed over threads):");
        foreach ((DiagnosticAnalyzer analyzer, AnalyzerTelemetryInfo info) in result.AnalyzerTelemetryInfo.OrderByDescending(p => p.Value.ExecutionTime))
        {
            Console.WriteLine($"  {analyzer.GetType().Name,-28} {info.ExecutionTime.TotalMilliseconds,8:F1} ms");
        }

        return 0;
    }

    private static double Median(Action action)
    {
        action(); // warm-up
        var times = new List<double>();
        for (int i = 0; i < Runs; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[Runs / 2];
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class NoOpSymbolAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor s_rule = new("NOOP1", "No-op", "No-op", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(s_rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSymbolAction(_ => { }, SymbolKind.NamedType);
        }
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class NoOpSyntaxNodeAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor s_rule = new("NOOP2", "No-op", "No-op", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(s_rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSyntaxNodeAction(_ => { }, SyntaxKind.InvocationExpression, SyntaxKind.GenericName);
        }
    }
}
