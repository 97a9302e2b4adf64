using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Analyzers.Rules;
using Travelers.Generators;

namespace Travelers.Analyzers.Tests;

/// <summary>
/// Every analyzer of Travelers.Analyzers (found by reflection, so a new rule is covered without touching
/// this file) over the code the project itself presents as correct: the samples and the messages the
/// runtime tests and benchmarks use, compiled with the real generator's output as a user's build is.
/// A rule that fires here is wrong, or the corpus is.
/// </summary>
public sealed class CleanCorpusTests
{
    /// <summary>The usings the SDK adds with ImplicitUsings enabled (Microsoft.NET.Sdk).</summary>
    private const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(NetSerializer).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    /// <summary>
    /// One compilation per project, as each builds: a message id is unique per assembly, so merging the
    /// corpora could report duplicates that no build has.
    /// </summary>
    public static TheoryData<string> Corpora => new(Corpus.All.Keys);

    [Fact]
    public void Every_analyzer_is_found()
    {
        Assert.Contains(Analyzers(), a => a is NotAMessageAnalyzer);
    }

    [Fact]
    public void Every_generator_is_found()
    {
        Type[] generators = Generators().Select(g => g.GetGeneratorType()).ToArray();
        Assert.Equal([typeof(NetEntityGenerator), typeof(NetMessageGenerator), typeof(RpcGenerator)], generators.OrderBy(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public async Task Corpus_has_no_Travelers_warnings_or_errors(string name)
    {
        Corpus corpus = Corpus.All[name];
        CSharpCompilation compilation = Compile(corpus);

        ImmutableArray<Diagnostic> diagnostics = await compilation
            .WithAnalyzers(Analyzers())
            .GetAllDiagnosticsAsync(TestContext.Current.CancellationToken);

        // Info is left out on purpose: the runtime tests' messages deliberately lack [MaxLength] to test
        // the default limits, which TRV2004 points out at Info severity. Warnings and errors stay in.
        // AD0001 is an analyzer that threw.
        Diagnostic[] unexpected = diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning
                && (d.Id.StartsWith("TRV", StringComparison.Ordinal) || d.Id == "AD0001" || d.Severity == DiagnosticSeverity.Error))
            .ToArray();
        Assert.True(unexpected.Length == 0, Describe(name, unexpected));
    }

    private static CSharpCompilation Compile(Corpus corpus)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        List<SyntaxTree> trees = corpus.Files
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parseOptions, f))
            .ToList();
        if (corpus.ImplicitUsings)
        {
            trees.Add(CSharpSyntaxTree.ParseText(ImplicitUsings, parseOptions, "ImplicitUsings.g.cs"));
        }

        var options = new CSharpCompilationOptions(corpus.Kind, nullableContextOptions: NullableContextOptions.Enable);
        CSharpCompilation compilation = CSharpCompilation.Create(corpus.Name, trees, s_references.Value, options);

        GeneratorDriver driver = CSharpGeneratorDriver.Create(Generators(), parseOptions: parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.True(
            !generatorDiagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning),
            Describe(corpus.Name + " (generator)", generatorDiagnostics.ToArray()));
        Assert.True(generated.SyntaxTrees.Count() > trees.Count, corpus.Name + ": the generator produced nothing");
        return (CSharpCompilation)generated;
    }

    /// <summary>Every generator of Travelers.Generators, found by reflection as the analyzers are: a build runs them all.</summary>
    private static ISourceGenerator[] Generators() =>
        typeof(NetMessageGenerator).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(IIncrementalGenerator).IsAssignableFrom(t)
                && t.GetCustomAttributes(typeof(GeneratorAttribute), inherit: false).Length > 0)
            .Select(t => ((IIncrementalGenerator)Activator.CreateInstance(t)!).AsSourceGenerator())
            .ToArray();

    private static ImmutableArray<DiagnosticAnalyzer> Analyzers() =>
        typeof(NotAMessageAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t)
                && t.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), inherit: false).Length > 0)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    private static string Describe(string name, Diagnostic[] diagnostics) =>
        $"{name}: {diagnostics.Length} unexpected diagnostic(s):" + Environment.NewLine +
        string.Join(Environment.NewLine, diagnostics.Select(d => "  " + d));

    private sealed record Corpus(string Name, OutputKind Kind, bool ImplicitUsings, string[] Files)
    {
        public static IReadOnlyDictionary<string, Corpus> All { get; } = Build();

        private static Dictionary<string, Corpus> Build()
        {
            var all = new Dictionary<string, Corpus>();

            // Every sample project, as its .csproj builds it (samples enable ImplicitUsings).
            foreach (string project in Directory.EnumerateFiles(Path.Combine(Repository.Root, "samples"), "*.csproj", SearchOption.AllDirectories))
            {
                string folder = Path.GetDirectoryName(project)!;
                string text = File.ReadAllText(project);
                OutputKind kind = text.Contains("<OutputType>Exe</OutputType>", StringComparison.Ordinal)
                    ? OutputKind.ConsoleApplication
                    : OutputKind.DynamicallyLinkedLibrary;
                bool implicitUsings = text.Contains("<ImplicitUsings>enable</ImplicitUsings>", StringComparison.Ordinal);
                all["samples/" + Path.GetFileName(folder)] = new Corpus(Path.GetFileName(folder), kind, implicitUsings, SourceFiles(folder));
            }

            all["tests/Travelers.Runtime.Tests/Messages"] = new Corpus(
                "Travelers.Runtime.Tests", OutputKind.DynamicallyLinkedLibrary, ImplicitUsings: true,
                SourceFiles(Path.Combine(Repository.Root, "tests", "Travelers.Runtime.Tests", "Messages")));

            // MemoryPackMessages.cs is left out: it needs the MemoryPack package and its generator, and it
            // declares no Travelers messages (it is the benchmarks' baseline).
            all["benchmarks/Travelers.Benchmarks/Messages"] = new Corpus(
                "Travelers.Benchmarks", OutputKind.DynamicallyLinkedLibrary, ImplicitUsings: false,
                SourceFiles(Path.Combine(Repository.Root, "benchmarks", "Travelers.Benchmarks", "Messages"))
                    .Where(f => Path.GetFileName(f) != "MemoryPackMessages.cs")
                    .ToArray());
            return all;
        }

        /// <summary>The .cs files of a folder, without build output (obj holds an earlier build's generated code).</summary>
        private static string[] SourceFiles(string folder) =>
            Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(p => p is "obj" or "bin"))
                .Order(StringComparer.Ordinal)
                .ToArray();
    }
}
