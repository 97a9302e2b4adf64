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
    private const int Rounds = 5;

    public static int Run()
    {
        CSharpCompilation compilation = MessageCorpus.Build();
        ImmutableArray<DiagnosticAnalyzer> all = MessageCorpus.Analyzers();

        // The compiler's code tiers up over several runs: warm it first, and time the compiler alone again last.
        for (int i = 0; i < 4; i++)
        {
            _ = compilation.Clone().WithAnalyzers(all, AnalyzerBenchmarks.Options(false)).GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        }

        // Configurations are timed in interleaved rounds, so the runtime's drift (tiering, the machine's other
        // tenants) spreads over all of them instead of favouring whichever ran last.
        var rows = new List<(string Name, Action Run)>
        {
            ("compiler alone", () => compilation.Clone().GetDiagnostics()),
        };
        void Row(string name, ImmutableArray<DiagnosticAnalyzer> analyzers) =>
            rows.Add((name, () => compilation.Clone().WithAnalyzers(analyzers, AnalyzerBenchmarks.Options(false)).GetAllDiagnosticsAsync().GetAwaiter().GetResult()));

        Row("driver + an analyzer that registers nothing", ImmutableArray.Create<DiagnosticAnalyzer>(AnalyzerBenchmarks.NoOpAnalyzer.Empty()));
        Row("driver + a no-op symbol analyzer", ImmutableArray.Create<DiagnosticAnalyzer>(SymbolNoOp()));
        Row("driver + six no-op symbol analyzers", Enumerable.Range(0, 6).Select(_ => (DiagnosticAnalyzer)SymbolNoOp()).ToImmutableArray());
        Row("driver + a no-op syntax node analyzer", ImmutableArray.Create<DiagnosticAnalyzer>(new AnalyzerBenchmarks.NoOpAnalyzer(c => c.RegisterSyntaxNodeAction(_ => { }, SyntaxKind.InvocationExpression, SyntaxKind.GenericName))));
        Row("driver + a no-op semantic model analyzer", ImmutableArray.Create<DiagnosticAnalyzer>(new AnalyzerBenchmarks.NoOpAnalyzer(c => c.RegisterSemanticModelAction(_ => { }))));
        foreach (DiagnosticAnalyzer analyzer in all)
        {
            Row(analyzer.GetType().Name + " alone", ImmutableArray.Create(analyzer));
        }

        Row("all Travelers analyzers", all);

        var times = rows.Select(_ => new List<double>()).ToList();
        for (int round = 0; round < Rounds; round++)
        {
            for (int i = 0; i < rows.Count; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var clock = Stopwatch.StartNew();
                rows[i].Run();
                times[i].Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        double compiler = Median(times[0]);
        for (int i = 0; i < rows.Count; i++)
        {
            double ms = Median(times[i]);
            Console.WriteLine(i == 0
                ? $"{rows[i].Name,-44} {ms,8:F0} ms"
                : $"{rows[i].Name,-44} {ms,8:F0} ms  {(ms / compiler) - 1,7:P0} added");
        }

        CompilationWithAnalyzers withAnalyzers = compilation.Clone().WithAnalyzers(all, AnalyzerBenchmarks.Options(logAnalyzerExecutionTime: true));
        AnalysisResult result = withAnalyzers.GetAnalysisResultAsync(CancellationToken.None).GetAwaiter().GetResult();
        Console.WriteLine("analyzer execution time (the analyzers' own telemetry, summed over threads):");
        foreach ((DiagnosticAnalyzer analyzer, AnalyzerTelemetryInfo info) in result.AnalyzerTelemetryInfo.OrderByDescending(p => p.Value.ExecutionTime))
        {
            Console.WriteLine($"  {analyzer.GetType().Name,-28} {info.ExecutionTime.TotalMilliseconds,8:F1} ms");
        }

        return 0;
    }

    private static AnalyzerBenchmarks.NoOpAnalyzer SymbolNoOp() => new(c => c.RegisterSymbolAction(_ => { }, SymbolKind.NamedType));

    private static double Median(List<double> times)
    {
        times.Sort();
        return times[times.Count / 2];
    }
}
