using Microsoft.CodeAnalysis.Testing;
using Travelers.CodeFixes;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.MissingMaxLengthAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

public sealed class MissingMaxLengthTests
{
    private static DiagnosticResult Expected(int location, string type, string member, string unit) =>
        V.Diagnostic(Descriptors.MissingMaxLength).WithLocation(location).WithArguments(type, member, "65536", unit);

    [Fact]
    public async Task Reports_strings_and_collections_without_MaxLength()
    {
        await V.AnalyzerAsync(
            """
            using System;
            using System.Collections.Generic;
            using Travelers;

            [NetMessage]
            public partial class M
            {
                public string {|#0:Name|} { get; set; } = "";
                public List<int> {|#1:Items|} = new();
                public int[] {|#2:Array|} { get; init; } = [];
                public byte[]? {|#3:Bytes|} { get; set; }
                public ReadOnlyMemory<byte>? {|#4:Memory|} { get; set; }
                public Dictionary<int, string> {|#5:Map|} { get; set; } = new();
                public int Count { get; set; }
            }
            """,
            Expected(0, "M", "Name", "UTF-8 bytes"),
            Expected(1, "M", "Items", "elements"),
            Expected(2, "M", "Array", "elements"),
            Expected(3, "M", "Bytes", "bytes"),
            Expected(4, "M", "Memory", "bytes"),
            Expected(5, "M", "Map", "elements"));
    }

    [Fact]
    public async Task Reports_a_record_parameter_on_the_parameter()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial record Chat(string {|#0:Text|}, int Channel);
            """,
            Expected(0, "Chat", "Text", "UTF-8 bytes"));
    }

    [Fact]
    public async Task Does_not_report_limited_ignored_unsent_or_non_message_members()
    {
        await V.AnalyzerAsync(
            """
            using System.Collections.Generic;
            using Travelers;

            [NetMessage]
            public partial class M
            {
                [MaxLength(16)] public string Name { get; set; } = "";
                [MaxLength(4)] public List<int> Items = new();
                [NetIgnore] public string Cache { get; set; } = "";
                public string Computed => Name + "!";
                public string GetOnly { get; } = "";
                internal string Hidden { get; set; } = "";
            }

            [NetMessage]
            public partial record Chat([MaxLength(256)] string Text, [property: MaxLength(8)] string Room);

            [NetMessage]
            public partial class Ctor
            {
                public Ctor([MaxLength(10)] string name) => Name = name;

                public string Name { get; }
            }

            public class NotAMessage
            {
                public string Name { get; set; } = "";
            }
            """);
    }

    [Fact]
    public async Task Fix_adds_MaxLength_to_a_property()
    {
        await V.CodeFixAsync<AddMaxLengthCodeFix>(
            """
            using Travelers;

            [NetMessage]
            public partial class M
            {
                /// <summary>The name.</summary>
                public string {|#0:Name|} { get; set; } = "";
            }
            """,
            """
            using Travelers;

            [NetMessage]
            public partial class M
            {
                /// <summary>The name.</summary>
                [MaxLength(65536)]
                public string Name { get; set; } = "";
            }
            """,
            Expected(0, "M", "Name", "UTF-8 bytes"));
    }

    [Fact]
    public async Task Fix_adds_MaxLength_to_a_field_with_other_attributes()
    {
        await V.CodeFixAsync<AddMaxLengthCodeFix>(
            """
            using System;
            using System.Collections.Generic;
            using Travelers;

            [NetMessage]
            public partial struct M
            {
                [Obsolete] public List<int> {|#0:Items|};
            }
            """,
            """
            using System;
            using System.Collections.Generic;
            using Travelers;

            [NetMessage]
            public partial struct M
            {
                [MaxLength(65536)]
                [Obsolete] public List<int> Items;
            }
            """,
            Expected(0, "M", "Items", "elements"));
    }

    [Fact]
    public async Task Fix_adds_MaxLength_to_a_record_parameter()
    {
        await V.CodeFixAsync<AddMaxLengthCodeFix>(
            """
            using Travelers;

            [NetMessage]
            public partial record Chat(int Channel, string {|#0:Text|});
            """,
            """
            using Travelers;

            [NetMessage]
            public partial record Chat(int Channel, [MaxLength(65536)] string Text);
            """,
            Expected(0, "Chat", "Text", "UTF-8 bytes"));
    }

    [Fact]
    public async Task Fix_adds_the_using_when_it_is_missing()
    {
        await V.CodeFixAsync<AddMaxLengthCodeFix>(
            """
            using System.Collections.Generic;

            [Travelers.NetMessage]
            public partial class M
            {
                public List<string> {|#0:Tags|} { get; set; } = new();
            }
            """,
            """
            using System.Collections.Generic;
            using Travelers;

            [Travelers.NetMessage]
            public partial class M
            {
                [MaxLength(65536)]
                public List<string> Tags { get; set; } = new();
            }
            """,
            Expected(0, "M", "Tags", "elements"));
    }

    [Fact]
    public async Task Fix_adds_the_using_to_a_file_without_usings()
    {
        await V.CodeFixAsync<AddMaxLengthCodeFix>(
            """
            [Travelers.NetMessage]
            public partial record Chat(string {|#0:Text|});
            """,
            """
            using Travelers;

            [Travelers.NetMessage]
            public partial record Chat([MaxLength(65536)] string Text);
            """,
            Expected(0, "Chat", "Text", "UTF-8 bytes"));
    }

    [Fact]
    public async Task Fix_all_fixes_every_member_and_adds_one_using()
    {
        await V.CodeFixAsync<AddMaxLengthCodeFix>(
            """
            using System.Collections.Generic;

            [Travelers.NetMessage]
            public partial class M
            {
                public string {|#0:Name|} { get; set; } = "";

                public List<int> {|#1:Items|} { get; set; } = new();
            }
            """,
            """
            using System.Collections.Generic;
            using Travelers;

            [Travelers.NetMessage]
            public partial class M
            {
                [MaxLength(65536)]
                public string Name { get; set; } = "";

                [MaxLength(65536)]
                public List<int> Items { get; set; } = new();
            }
            """,
            Expected(0, "M", "Name", "UTF-8 bytes"),
            Expected(1, "M", "Items", "elements"));
    }
}
