using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.EntityVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV4001: [Replicated] on a member of a type that is not a NetEntity.</summary>
public sealed class ReplicatedOutsideEntityTests
{
    [Fact]
    public async Task Each_replicated_member_of_a_class_or_struct_that_is_not_an_entity_is_reported()
    {
        await AnalyzerAsync(
            """
            using Travelers;

            public class Door
            {
                [Replicated] public bool {|#0:Open|};
                [Replicated] public int {|#1:Key|};
                public int Local;
            }

            public struct Spark
            {
                [Replicated] public float {|#2:Heat|};
            }
            """,
            Diagnostic(DiagnosticDescriptors.ReplicatedOutsideEntity, 0, "Open", "Door"),
            Diagnostic(DiagnosticDescriptors.ReplicatedOutsideEntity, 1, "Key", "Door"),
            Diagnostic(DiagnosticDescriptors.ReplicatedOutsideEntity, 2, "Heat", "Spark"));
    }

    [Fact]
    public async Task Entities_and_types_without_replicated_members_get_nothing()
    {
        await AnalyzerAsync(
            """
            using Travelers;

            public partial class Door : NetEntity
            {
                [Replicated] public bool Open;
            }

            public abstract partial class Unit : NetEntity
            {
                [Replicated] public int Hp;
            }

            public partial class Tank : Unit
            {
                [Replicated] public partial int Gear { get; set; }
            }

            public class Plain
            {
                public int Value;
            }
            """);
    }
}
