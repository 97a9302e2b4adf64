using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Travelers.Analyzers.Rules;
using Travelers.CodeFixes;

namespace Travelers.Analyzers.Tests.Rules;

public sealed class SchemaCompatibilityTests
{
    private const string FileName = "Travelers.Schema.txt";

    /// <summary>The id the generator gives <paramref name="fullName"/>; StableHash is internal to two referenced assemblies, hence reflection.</summary>
    private static string Id(string fullName)
    {
        Type hash = typeof(SchemaCompatibilityAnalyzer).Assembly.GetType("Travelers.Generators.Helpers.StableHash", throwOnError: true)!;
        var id = (ulong)hash.GetMethod("Compute")!.Invoke(null, [fullName])!;
        return id.ToString("X16", CultureInfo.InvariantCulture);
    }

    private static string Line(string fullName, string members, bool tolerant = false) =>
        fullName + "#" + Id(fullName) + (tolerant ? "~" : string.Empty) + "(" + members + ")";

    private static DiagnosticResult Breaking(int location, string name, string change) =>
        new DiagnosticResult(Descriptors.BreakingSchemaChange).WithLocation(location).WithArguments(name, change);

    private static DiagnosticResult OutOfDate(int location, string name, string change) =>
        new DiagnosticResult(Descriptors.SchemaFileOutOfDate).WithLocation(location).WithArguments(name, change);

    private static Task AnalyzeAsync(string source, string? schemaFile, params DiagnosticResult[] expected)
    {
        var test = new Verify<SchemaCompatibilityAnalyzer>.AnalyzerTest { TestCode = source };
        if (schemaFile is not null)
        {
            test.TestState.AdditionalFiles.Add((FileName, schemaFile));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    private const string Message =
        """
        using Travelers;

        namespace Game;

        [NetMessage]
        public partial class {|#0:Chat|}
        {
            public int From { get; set; }

            [MaxLength(256)]
            public string Text { get; set; } = "";
        }
        """;

    [Fact]
    public Task No_file_no_diagnostics() => AnalyzeAsync(Message, null);

    [Fact]
    public Task Equal_schema_no_diagnostics() => AnalyzeAsync(Message, "# shipped\n\n" + Line("Game.Chat", "From:i32;Text:str[max=256]") + "\n");

    [Fact]
    public Task New_message_is_info() =>
        AnalyzeAsync(Message, "", OutOfDate(0, "Game.Chat", "is not in the schema file yet"));

    [Fact]
    public Task Retyped_member_is_a_warning() =>
        AnalyzeAsync(Message, Line("Game.Chat", "From:i64;Text:str[max=256]"), Breaking(0, "Game.Chat", "member 'From' was 'From:i64' and is now 'From:i32'"));

    [Fact]
    public Task Removed_member_is_a_warning() =>
        AnalyzeAsync(Message, Line("Game.Chat", "From:i32;Room:i32;Text:str[max=256]"), Breaking(0, "Game.Chat", "member 'Room' was removed"));

    [Fact]
    public Task Reordered_members_are_a_warning() =>
        AnalyzeAsync(Message, Line("Game.Chat", "Text:str[max=256];From:i32"), Breaking(0, "Game.Chat", "members were reordered: (Text, From) is now (From, Text)"));

    [Fact]
    public Task Append_to_a_message_that_is_not_version_tolerant_is_a_warning() =>
        AnalyzeAsync(Message, Line("Game.Chat", "From:i32"), Breaking(0, "Game.Chat", "member 'Text' was appended to a message that is not version tolerant"));

    [Fact]
    public Task Append_to_a_version_tolerant_message_is_info() =>
        AnalyzeAsync(
            """
            using Travelers;

            namespace Game;

            [NetMessage(VersionTolerant = true)]
            public partial class {|#0:Chat|}
            {
                public int From { get; set; }

                public int Room { get; set; }
            }
            """,
            Line("Game.Chat", "From:i32", tolerant: true),
            OutOfDate(0, "Game.Chat", "has new members appended (compatible): Room"));

    [Fact]
    public Task Lowered_limit_is_a_warning() =>
        AnalyzeAsync(Message, Line("Game.Chat", "From:i32;Text:str[max=512]"), Breaking(0, "Game.Chat", "member 'Text' limit was lowered from 512 to 256"));

    [Fact]
    public Task Raised_limit_is_info() =>
        AnalyzeAsync(Message, Line("Game.Chat", "From:i32;Text:str[max=128]"), OutOfDate(0, "Game.Chat", "member 'Text' limit was raised from 128 to 256"));

    [Fact]
    public Task Changed_id_is_a_warning() =>
        AnalyzeAsync(
            Message,
            "Game.Chat#0000000000000001(From:i32;Text:str[max=256])",
            Breaking(0, "Game.Chat", "its id changed from 0x0000000000000001 to 0x" + Id("Game.Chat")));

    [Fact]
    public Task Removed_message_is_a_warning_on_its_line() =>
        AnalyzeAsync(
            Message,
            Line("Game.Chat", "From:i32;Text:str[max=256]") + "\n" + Line("Game.Gone", "A:i32") + "\n",
            new DiagnosticResult(Descriptors.BreakingSchemaChange).WithSpan(FileName, 2, 1, 2, 1 + Line("Game.Gone", "A:i32").Length).WithArguments("Game.Gone", "the message was removed"));

    [Fact]
    public async Task Fix_adds_the_line_in_sorted_order()
    {
        string before = "# shipped\n" + Line("Game.A", "X:i32") + "\n" + Line("Game.Z", "X:i32") + "\n";
        string after = "# shipped\n" + Line("Game.A", "X:i32") + "\n" + Line("Game.Chat", "From:i32;Text:str[max=256]") + "\n" + Line("Game.Z", "X:i32") + "\n";
        string others =
            """

            [NetMessage] public partial class A { public int X; }
            [NetMessage] public partial class Z { public int X; }
            """;
        var test = new Verify<SchemaCompatibilityAnalyzer>.CodeFixTest<UpdateSchemaFileCodeFix> { TestCode = Message + others, FixedCode = Message.Replace("{|#0:Chat|}", "Chat", StringComparison.Ordinal) + others };
        test.TestState.AdditionalFiles.Add((FileName, before));
        test.FixedState.AdditionalFiles.Add((FileName, after));
        test.ExpectedDiagnostics.Add(OutOfDate(0, "Game.Chat", "is not in the schema file yet"));
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Fix_updates_the_line()
    {
        var test = new Verify<SchemaCompatibilityAnalyzer>.CodeFixTest<UpdateSchemaFileCodeFix> { TestCode = Message, FixedCode = Message.Replace("{|#0:Chat|}", "Chat", StringComparison.Ordinal) };
        test.TestState.AdditionalFiles.Add((FileName, Line("Game.Chat", "From:i32;Text:str[max=128]") + "\n"));
        test.FixedState.AdditionalFiles.Add((FileName, Line("Game.Chat", "From:i32;Text:str[max=256]") + "\n"));
        test.ExpectedDiagnostics.Add(OutOfDate(0, "Game.Chat", "member 'Text' limit was raised from 128 to 256"));
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Fix_all_updates_every_message()
    {
        string source =
            """
            using Travelers;

            namespace Game;

            [NetMessage] public partial class {|#0:B|} { public int X; }
            [NetMessage] public partial class {|#1:A|} { public long Y; }
            """;
        var test = new Verify<SchemaCompatibilityAnalyzer>.CodeFixTest<UpdateSchemaFileCodeFix> { TestCode = source, FixedCode = source.Replace("{|#0:B|}", "B", StringComparison.Ordinal).Replace("{|#1:A|}", "A", StringComparison.Ordinal) };
        test.TestState.AdditionalFiles.Add((FileName, ""));
        test.FixedState.AdditionalFiles.Add((FileName, Line("Game.A", "Y:i64") + "\n" + Line("Game.B", "X:i32") + "\n"));
        test.ExpectedDiagnostics.Add(OutOfDate(0, "Game.B", "is not in the schema file yet"));
        test.ExpectedDiagnostics.Add(OutOfDate(1, "Game.A", "is not in the schema file yet"));
        await test.RunAsync(CancellationToken.None);
    }
}
