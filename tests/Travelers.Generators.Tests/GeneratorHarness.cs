using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Travelers.Generators.Tests;

/// <summary>Runs the generator over source text against the real runtime assembly.</summary>
internal static class GeneratorHarness
{
    /// <summary>Built once per test run: every platform assembly plus Travelers.dll.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(NetSerializer).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "Game",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The three generators, as a project that references Travelers gets them.</summary>
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new NetMessageGenerator().AsSourceGenerator(), new NetEntityGenerator().AsSourceGenerator(), new RpcGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>The run of one generator.</summary>
    public static GeneratorRunResult Of<TGenerator>(this GeneratorDriverRunResult run)
        where TGenerator : IIncrementalGenerator =>
        run.Results.Single(r => r.Generator.GetGeneratorType() == typeof(TGenerator));

    /// <summary>Every file both generators wrote.</summary>
    public static IEnumerable<GeneratedSourceResult> Sources(this GeneratorDriverRunResult run) =>
        run.Results.SelectMany(r => r.GeneratedSources);

    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params string[] sources)
    {
        CSharpCompilation input = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>
    /// Generates and compiles <paramref name="sources"/>, asserts that neither the generators nor the compiler reported
    /// anything, loads the assembly and returns what its static <c>Probe.Run()</c> returns.
    /// </summary>
    public static (GeneratorDriverRunResult Result, object? Returned) RunProbe(params string[] sources)
    {
        (GeneratorDriverRunResult result, Compilation output) = Run(sources);
        Assert.Empty(result.Diagnostics);
        var problems = output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        using var stream = new MemoryStream();
        Assert.True(output.Emit(stream, cancellationToken: TestContext.Current.CancellationToken).Success);
        Type probe = System.Reflection.Assembly.Load(stream.ToArray()).GetTypes().Single(t => t.Name == "Probe");
        return (result, probe.GetMethod("Run")!.Invoke(null, null));
    }
}
