using Microsoft.CodeAnalysis.Testing;
using Travelers.Analyzers.Rules;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.InvalidMaxLengthAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

public sealed class InvalidMaxLengthTests
{
    private static DiagnosticResult Expected(int location, string member, string reason) =>
        V.Diagnostic(Descriptors.InvalidMaxLength).WithLocation(location).WithArguments(member, reason);

    [Fact]
    public async Task Reports_MaxLength_on_an_int_member()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial class M
            {
                [{|#0:MaxLength(10)|}] public int Count { get; set; }
                [{|#1:MaxLength(10)|}] public int? Maybe;
            }
            """,
            Expected(0, "Count", "'int' has no length; [MaxLength] applies to strings and collections"),
            Expected(1, "Maybe", "'int?' has no length; [MaxLength] applies to strings and collections"));
    }

    [Fact]
    public async Task Reports_a_value_of_zero_or_less()
    {
        await V.AnalyzerAsync(
            """
            using System.Collections.Generic;
            using Travelers;

            [NetMessage]
            public partial class M
            {
                [{|#0:MaxLength(0)|}] public string Name { get; set; } = "";
                [{|#1:MaxLength(-5)|}] public List<int> Items { get; set; } = new();
            }
            """,
            Expected(0, "Name", "the value must be greater than 0"),
            Expected(1, "Items", "the value must be greater than 0"));
    }

    [Fact]
    public async Task Reports_on_a_record_parameter()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial record Move([{|#0:MaxLength(4)|}] float X, [{|#1:MaxLength(0)|}] string Name, [property: {|#2:MaxLength(3)|}] long Tick);
            """,
            Expected(0, "X", "'float' has no length; [MaxLength] applies to strings and collections"),
            Expected(1, "Name", "the value must be greater than 0"),
            Expected(2, "Tick", "'long' has no length; [MaxLength] applies to strings and collections"));
    }

    [Fact]
    public async Task Reports_on_an_ignored_member()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial class M
            {
                [NetIgnore, {|#0:MaxLength(8)|}] public string Cache { get; set; } = "";
            }
            """,
            Expected(0, "Cache", "the member is [NetIgnore], so it is never sent"));
    }

    [Fact]
    public async Task Does_not_report_valid_limits_on_strings_and_collections()
    {
        await V.AnalyzerAsync(
            """
            using System;
            using System.Collections.Generic;
            using Travelers;

            [NetMessage]
            public partial class M
            {
                [MaxLength(32)] public string Name { get; set; } = "";
                [MaxLength(32)] public string? Nick;
                [MaxLength(8)] public List<int> Items { get; set; } = new();
                [MaxLength(8)] public int[] Array { get; set; } = [];
                [MaxLength(8)] public byte[] Bytes { get; set; } = [];
                [MaxLength(8)] public ReadOnlyMemory<byte> Memory { get; set; }
                [MaxLength(8)] public HashSet<string> Tags { get; set; } = new();
                [MaxLength(8)] public Dictionary<int, string> Map { get; set; } = new();
            }

            [NetMessage]
            public partial record Chat([MaxLength(256)] string Text);
            """);
    }

    [Fact]
    public async Task Does_not_report_outside_messages()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            public class NotAMessage
            {
                [MaxLength(0)] public int Count { get; set; }
            }
            """);
    }
}
