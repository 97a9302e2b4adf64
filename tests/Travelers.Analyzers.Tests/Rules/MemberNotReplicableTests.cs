using Travelers.CodeFixes;
using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.EntityVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV4005: a replicated member both sides cannot read and write as declared; fixes where they are obvious.</summary>
public sealed class MemberNotReplicableTests
{
    private const string NotPartial = "it is not a partial property; declare it 'partial' (with get and set or init) so that Travelers implements it and tracks its changes";

    private const string ReadOnly = "it is a readonly field, which a client could not set; remove 'readonly'";

    [Fact]
    public async Task A_readonly_field_loses_readonly()
    {
        await CodeFixAsync<MakeReplicableCodeFix>(
            """
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public readonly int {|#0:Seed|};
            }
            """,
            """
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public int Seed;
            }
            """,
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 0, "Seed", ReadOnly));
    }

    [Fact]
    public async Task An_auto_property_becomes_partial()
    {
        await CodeFixAsync<MakeReplicableCodeFix>(
            """
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public int {|#0:Level|} { get; private set; }
            }
            """,
            """
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public partial int Level { get; private set; }
            }
            """,
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 0, "Level", NotPartial));
    }

    [Fact]
    public async Task Fix_all_repairs_every_member()
    {
        await CodeFixAsync<MakeReplicableCodeFix>(
            """
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public readonly int {|#0:Seed|};
                [Replicated] readonly float {|#1:Scale|};
                [Replicated] int {|#2:Level|} { get; set; }
                [Replicated] public virtual string {|#3:Name|} { get; init; }
            }
            """,
            """
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public int Seed;
                [Replicated] float Scale;
                [Replicated] partial int Level { get; set; }
                [Replicated] public virtual partial string Name { get; init; }
            }
            """,
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 0, "Seed", ReadOnly),
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 1, "Scale", ReadOnly),
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 2, "Level", NotPartial),
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 3, "Name", NotPartial));
    }

    [Fact]
    public async Task Get_only_static_constant_computed_and_initialized_members_are_reported()
    {
        await AnalyzerAsync(
            """
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public partial int {|#0:Kills|} { get; }
                [Replicated] public static int {|#1:Online|};
                [Replicated] public const int {|#2:Max|} = 4;
                [Replicated] public int {|#3:Twice|} => 2;
                [Replicated] public string {|#4:Tag|} { get; set; } = "";
            }
            """,
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 0, "Kills", "it has no set or init accessor, so a client could not hold the server's value"),
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 1, "Online", "it is static, and only instance members are replicated"),
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 2, "Max", "it is a constant"),
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 3, "Twice", NotPartial),
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 4, "Tag", NotPartial));
    }

    [Fact]
    public async Task An_inherited_member_the_derived_entity_cannot_set_is_reported_at_the_derived_type()
    {
        await AnalyzerAsync(
            """
            using Travelers;

            public partial class Unit : NetEntity
            {
                [Replicated] public partial int Hp { get; private set; }
                [Replicated] public partial int Armor { get; init; }
            }

            public partial class {|#0:Tank|} : Unit
            {
                [Replicated] public int Gear;
            }
            """,
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 0, "Unit.Hp", "'Tank' derives from 'Unit' and replicates this member too, but its set accessor is not accessible from 'Tank'"),
            Diagnostic(DiagnosticDescriptors.MemberNotReplicable, 0, "Unit.Armor", "'Tank' derives from 'Unit' and replicates this member too, but its init accessor cannot be called on a copy that exists already; make it 'set'"));
    }

    [Fact]
    public async Task Partial_properties_settable_fields_and_reachable_inherited_members_get_nothing()
    {
        await AnalyzerAsync(
            """
            using Travelers;

            public partial class Unit : NetEntity
            {
                [Replicated] public partial int Hp { get; protected set; }
                [Replicated] protected float Speed;
            }

            public partial class Tank : Unit
            {
                [Replicated] public partial int Gear { get; init; }
                [Replicated] private int _fuel;
                [Replicated] internal partial string Label { get; private set; }
            }
            """);
    }
}
