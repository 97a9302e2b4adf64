using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Travelers.Analyzers.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- --filter '*'</c> runs the benchmark (any BenchmarkDotNet switch works);
/// <c>-- --smoke</c> builds the corpus, runs the compiler and the analyzers once each, prints the
/// diagnostics by id, and exits non-zero if the corpus has errors; <c>-- --per-analyzer</c> times each
/// analyzer alone (see <see cref="PerAnalyzer"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--smoke", StringComparer.Ordinal))
        {
            return Smoke();
        }

        if (args.Contains("--per-analyzer", StringComparer.Ordinal))
        {
            return PerAnalyzer.Run();
        }

        // Reports go to benchmarks/Travelers.Analyzers.Benchmarks/BenchmarkDotNet.Artifacts (git-ignored).
        string artifacts = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "BenchmarkDotNet.Artifacts"));
        IConfig config = DefaultConfig.Instance.WithArtifactsPath(artifacts);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }

    private static int Smoke()
    {
        var clock = Stopwatch.StartNew();
        CSharpCompilation compilation;
        try
        {
            compilation = MessageCorpus.Build();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        ImmutableArray<DiagnosticAnalyzer> analyzers = MessageCorpus.Analyzers();
        Console.WriteLine($"corpus: {MessageCorpus.MessageCount} messages, {compilation.SyntaxTrees.Count()} trees " +
            $"({compilation.SyntaxTrees.Sum(t => t.GetText().Lines.Count)} lines), built in {clock.ElapsedMilliseconds} ms");
        Console.WriteLine($"analyzers: {string.Join(", ", analyzers.Select(a => a.GetType().Name))}");

        clock.Restart();
        ImmutableArray<Diagnostic> compiler = compilation.Clone().GetDiagnostics();
        long compilerMs = clock.ElapsedMilliseconds;

        clock.Restart();
        CompilationWithAnalyzers withAnalyzers = compilation.Clone().WithAnalyzers(analyzers, AnalyzerBenchmarks.Options(logAnalyzerExecutionTime: false));
        ImmutableArray<Diagnostic> all = withAnalyzers.GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        long allMs = clock.ElapsedMilliseconds;

        Console.WriteLine($"compiler alone: {compiler.Length} diagnostics, {compilerMs} ms (first run, includes JIT)");
        Console.WriteLine($"compiler + analyzers: {all.Length} diagnostics, {allMs} ms");
        foreach (IGrouping<string, Diagnostic> group in all.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {group.Key} ({group.First().Severity}): {group.Count()}");
        }

        List<Diagnostic> errors = all.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        foreach (Diagnostic error in errors.Take(10))
        {
            Console.Error.WriteLine("ERROR: " + error);
        }

        return errors.Count > 0 ? 1 : 0;
    }
}
