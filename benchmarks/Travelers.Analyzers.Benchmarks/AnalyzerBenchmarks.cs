using System;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Travelers.Analyzers.Benchmarks;

/// <summary>
/// The compiler's own diagnostics against the compiler's plus every Travelers analyzer's, on the same
/// generated compilation (<see cref="MessageCorpus"/>). Each operation starts from a fresh
/// <see cref="Compilation.Clone"/>, so no bound symbol or method body carries over from one to the next;
/// the syntax trees (parsed once in setup, generated ones included) are shared, as in an IDE.
/// Ten warm-up iterations: the compiler's own code is still tiering up after three.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 10, iterationCount: 8)]
public class AnalyzerBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private ImmutableArray<DiagnosticAnalyzer> _analyzers;
    private ImmutableArray<DiagnosticAnalyzer> _empty;
    private CompilationWithAnalyzersOptions _options = null!;

    [GlobalSetup]
    public void Setup()
    {
        _compilation = MessageCorpus.Build();
        _analyzers = MessageCorpus.Analyzers();
        _empty = ImmutableArray.Create<DiagnosticAnalyzer>(NoOpAnalyzer.Empty());
        _options = Options(logAnalyzerExecutionTime: false);
    }

    /// <summary>No additional files, analyzers run concurrently, exceptions rethrown.</summary>
    public static CompilationWithAnalyzersOptions Options(bool logAnalyzerExecutionTime) => new(
        new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
        onAnalyzerException: (exception, _, _) => throw exception,
        concurrentAnalysis: true,
        logAnalyzerExecutionTime: logAnalyzerExecutionTime);

    /// <summary>The compiler alone: declaration and method-body diagnostics of the whole compilation.</summary>
    [Benchmark(Baseline = true)]
    public ImmutableArray<Diagnostic> Compiler_GetDiagnostics() =>
        _compilation.Clone().GetDiagnostics(CancellationToken.None);

    /// <summary>
    /// The analyzer driver's own cost: the same call with one analyzer that registers no action at all. No
    /// analyzer can add less than this; the Travelers analyzers' own share is the difference to the next row.
    /// </summary>
    [Benchmark]
    public Task<ImmutableArray<Diagnostic>> Compiler_plus_EmptyAnalyzer() =>
        _compilation.Clone().WithAnalyzers(_empty, _options).GetAllDiagnosticsAsync(CancellationToken.None);

    /// <summary>The same compiler diagnostics and every Travelers analyzer's, as a build with the analyzers does.</summary>
    [Benchmark]
    public Task<ImmutableArray<Diagnostic>> Compiler_plus_Analyzers() =>
        _compilation.Clone().WithAnalyzers(_analyzers, _options).GetAllDiagnosticsAsync(CancellationToken.None);

    /// <summary>
    /// An analyzer whose actions do nothing: with no action, what attaching any analyzer costs; with one kind of
    /// action, what the driver pays to call it.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    internal sealed class NoOpAnalyzer(Action<AnalysisContext> register) : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor s_rule = new("NOOP0", "No-op", "No-op", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        /// <summary>Registers no action at all.</summary>
        public static NoOpAnalyzer Empty() => new(_ => { });

        /// <inheritdoc/>
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(s_rule);

        /// <inheritdoc/>
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            register(context);
        }
    }
}
