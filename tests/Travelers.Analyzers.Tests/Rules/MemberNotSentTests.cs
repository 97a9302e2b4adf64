using Travelers.Analyzers.Rules;
using Travelers.CodeFixes;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.MemberNotSentAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

public sealed class MemberNotSentTests
{
    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Expected(int location, string type, string member) =>
        V.Diagnostic(Descriptors.MemberNotSent).WithLocation(location).WithArguments(type, member);

    [Fact]
    public async Task Get_only_auto_property_is_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial class Move
            {
                public int X { get; set; }

                public int {|#0:Y|} { get; }
            }
            """,
            Expected(0, "Move", "Y"));
    }

    [Fact]
    public async Task Get_only_auto_property_with_initializer_is_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial class Move
            {
                public int {|#0:Y|} { get; } = 5;
            }
            """,
            Expected(0, "Move", "Y"));
    }

    [Fact]
    public async Task Readonly_field_is_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial struct Hit
            {
                public readonly int {|#0:Damage|};
                public int Target;
            }
            """,
            Expected(0, "Hit", "Damage"));
    }

    [Fact]
    public async Task Settable_init_ignored_static_private_and_computed_members_are_not_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial class Score
            {
                public int A { get; set; }
                public int B { get; init; }
                public int C;
                [NetIgnore] public int D { get; }
                [NetIgnore] public readonly int E;
                public static int F { get; } = 1;
                public static readonly int G = 2;
                private int H { get; }
                internal readonly int I;
                public const int J = 3;
                public int Total => A + B;
                public int Twice { get { return A * 2; } }
            }
            """);
    }

    [Fact]
    public async Task Get_only_property_set_by_the_constructor_is_not_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial class Join
            {
                public Join(string name, int team)
                {
                    Name = name;
                    Team = team;
                }

                public string Name { get; }

                public readonly int Team;
            }
            """);
    }

    [Fact]
    public async Task Record_positional_properties_are_not_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial record Chat(string Text, int Channel);

            [NetMessage]
            public readonly partial record struct Ping(long Time);
            """);
    }

    [Fact]
    public async Task Types_without_NetMessage_are_ignored()
    {
        await V.AnalyzerAsync(
            """
            public class Plain
            {
                public int Y { get; }
                public readonly int Z;
            }
            """);
    }

    [Fact]
    public async Task Fix_adds_init_to_a_get_only_property()
    {
        await V.CodeFixAsync<MakeMemberInitCodeFix>(
            """
            using Travelers;

            [NetMessage]
            public partial class Move
            {
                public int {|#0:Y|} { get; }
            }
            """,
            """
            using Travelers;

            [NetMessage]
            public partial class Move
            {
                public int Y { get; init; }
            }
            """,
            Expected(0, "Move", "Y"));
    }

    [Fact]
    public async Task Fix_removes_readonly_from_a_field()
    {
        await V.CodeFixAsync<MakeMemberInitCodeFix>(
            """
            using Travelers;

            [NetMessage]
            public partial class Hit
            {
                public readonly int {|#0:Damage|};
            }
            """,
            """
            using Travelers;

            [NetMessage]
            public partial class Hit
            {
                public int Damage;
            }
            """,
            Expected(0, "Hit", "Damage"));
    }

    [Fact]
    public async Task Fix_all_fixes_every_member()
    {
        await V.CodeFixAsync<MakeMemberInitCodeFix>(
            """
            using Travelers;

            [NetMessage]
            public partial class State
            {
                public float {|#0:X|} { get; }
                public readonly float {|#1:Y|};
                public float {|#2:Z|} { get; } = 1f;
            }
            """,
            """
            using Travelers;

            [NetMessage]
            public partial class State
            {
                public float X { get; init; }
                public float Y;
                public float Z { get; init; } = 1f;
            }
            """,
            Expected(0, "State", "X"),
            Expected(1, "State", "Y"),
            Expected(2, "State", "Z"));
    }

    [Fact]
    public async Task Readonly_field_of_a_readonly_struct_is_reported_without_a_fix()
    {
        // Every field of a readonly struct must stay readonly, so removing it would not compile.
        const string source = """
            using Travelers;

            [NetMessage]
            public readonly partial struct Hit
            {
                public readonly int {|#0:Damage|};
            }
            """;
        await V.CodeFixAsync<MakeMemberInitCodeFix>(source, source, Expected(0, "Hit", "Damage"));
    }

    [Fact]
    public async Task Members_of_a_base_type_are_reported_only_on_the_base()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial class Base
            {
                public int {|#0:Tick|} { get; }
            }

            [NetMessage]
            public partial class Derived : Base
            {
                public int X { get; set; }
            }
            """,
            Expected(0, "Base", "Tick"));
    }
}
