using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators;

namespace Travelers.Analyzers.Benchmarks;

/// <summary>
/// A user's project of <see cref="MessageCount"/> varied [NetMessage] types in <see cref="FileCount"/> files,
/// each file with a class that round-trips its messages through NetSerializer, after the real
/// <see cref="NetMessageGenerator"/> has run: the compilation a user's build hands to the analyzers.
/// </summary>
public static class MessageCorpus
{
    public const int MessageCount = 1000;
    public const int FileCount = 50;
    private const int PerFile = MessageCount / FileCount; // 20, a multiple of the 5 shapes below

    /// <summary>Every Travelers analyzer: each non-abstract <see cref="DiagnosticAnalyzer"/> in Travelers.Analyzers.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers() =>
        typeof(DiagnosticIds).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    /// <summary>The compilation after the generator, with its generated trees. Throws if it has errors.</summary>
    public static CSharpCompilation Build()
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.CSharp12);
        List<SyntaxTree> trees = Enumerable.Range(0, FileCount)
            .Select(f => CSharpSyntaxTree.ParseText(FileSource(f), parseOptions, path: $"Messages{f:D2}.cs", encoding: Encoding.UTF8))
            .ToList();

        var compilation = CSharpCompilation.Create(
            "Travelers.Analyzers.Benchmarks.Corpus",
            trees,
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new NetMessageGenerator().AsSourceGenerator() },
            parseOptions: parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        var result = (CSharpCompilation)output;
        List<Diagnostic> errors = generatorDiagnostics.Concat(result.GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"The corpus has {errors.Count} errors; the first ones:{Environment.NewLine}" +
                string.Join(Environment.NewLine, errors.Take(10)));
        }

        if (result.SyntaxTrees.Count() <= FileCount)
        {
            throw new InvalidOperationException("The generator added no source.");
        }

        return result;
    }

    /// <summary>The framework's reference assemblies as loaded (the runtime directory) and Travelers.dll.</summary>
    private static List<MetadataReference> References()
    {
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var references = tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => string.Equals(Path.GetDirectoryName(p), runtimeDirectory, StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(NetMessageAttribute).Assembly.Location));
        return references;
    }

    /// <summary>One file: 20 messages of five shapes, then a class that serializes and reads each back.</summary>
    internal static string FileSource(int file)
    {
        var s = new StringBuilder();
        s.AppendLine("using System;");
        s.AppendLine("using System.Collections.Generic;");
        s.AppendLine("using System.Numerics;");
        s.AppendLine("using Travelers;");
        s.AppendLine();
        s.AppendLine($"namespace Corpus.F{file:D2};");
        for (int i = file * PerFile; i < (file + 1) * PerFile; i++)
        {
            s.AppendLine();
            s.AppendLine(i % 10 == 0 ? $"[NetMessage(Id = {100_000 + i})]" : "[NetMessage]");
            switch (i % 5)
            {
                case 0: // a struct of primitive fields
                    s.AppendLine($$"""
                        public partial struct M{{i}}
                        {
                            public int A;
                            public float B;
                            public double C;
                            public bool D;
                            public ulong E;
                            public Vector3 P;
                        }
                        """);
                    break;
                case 1: // a class of strings, collections, a nested message and a computed (get-only) member
                    s.AppendLine($$"""
                        public partial class M{{i}}
                        {
                            [MaxLength(32)] public string Name { get; set; } = string.Empty;
                            public string Note { get; set; } = string.Empty;
                            [MaxLength(64)] public List<int> Values { get; set; } = new();
                            [MaxLength(16)] public Dictionary<string, int> Counts { get; set; } = new();
                            public M{{i - 1}} Inner { get; set; }
                            public int Total => Values.Count;
                        }
                        """);
                    break;
                case 2: // a positional record class with a nested message
                    s.AppendLine($"public partial record M{i}(int Id, [MaxLength(24)] string Title, long Stamp, M{i - 2} Payload);");
                    break;
                case 3: // a record struct of init-only properties
                    s.AppendLine($$"""
                        public partial record struct M{{i}}
                        {
                            public short S { get; init; }
                            public byte B { get; init; }
                            public char C { get; init; }
                            public decimal D { get; init; }
                            public Guid G { get; init; }
                            public DateTime When { get; init; }
                            public int? Maybe { get; init; }
                        }
                        """);
                    break;
                default: // a class of arrays, sets, a list of messages and a get-only member no constructor sets
                    s.AppendLine($$"""
                        public partial class M{{i}}
                        {
                            [MaxLength(256)] public byte[] Blob { get; set; } = Array.Empty<byte>();
                            [MaxLength(8)] public List<M{{i - 2}}> Children { get; set; } = new();
                            public HashSet<long> Ids { get; set; } = new();
                            public M{{i - 1}} Extra { get; set; }
                            public string? Comment { get; set; }
                            public int Version { get; } = 1;
                        }
                        """);
                    break;
            }
        }

        s.AppendLine();
        s.AppendLine("public static class Usage");
        s.AppendLine("{");
        for (int i = file * PerFile; i < (file + 1) * PerFile; i++)
        {
            s.AppendLine($"    public static M{i} RoundTrip{i}(M{i} value) => NetSerializer.Deserialize<M{i}>(NetSerializer.Serialize(value));");
        }

        s.AppendLine("}");
        return s.ToString();
    }
}
