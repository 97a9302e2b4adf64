using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.EntityVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV4008: an entity member named like the State struct or the Interpolated property the generator writes.</summary>
public sealed class GeneratedNameTakenTests
{
    [Fact]
    public async Task Members_named_State_or_Interpolated_are_reported_at_their_name()
    {
        await AnalyzerAsync(
            """
            using Travelers;

            public partial class Lamp : NetEntity
            {
                [Replicated] public bool {|#0:State|};
            }

            public partial class Door : NetEntity
            {
                public enum {|#1:State|} { Open, Closed }

                [Replicated] public int Key;
            }

            public partial class Crate : NetEntity
            {
                [Replicated] public int Weight;

                public int {|#2:Interpolated|}() => Weight;
            }
            """,
            Diagnostic(DiagnosticDescriptors.GeneratedNameTaken, 0, "State", "the struct of its replicated values (State)"),
            Diagnostic(DiagnosticDescriptors.GeneratedNameTaken, 1, "State", "the struct of its replicated values (State)"),
            Diagnostic(DiagnosticDescriptors.GeneratedNameTaken, 2, "Interpolated", "the interpolated values' property (Interpolated)"));
    }

    [Fact]
    public async Task Entities_with_the_generated_members_and_other_names_are_fine()
    {
        // The compilation holds the generated State struct and Interpolated property: they are not the user's.
        await AnalyzerAsync(
            """
            using Travelers;

            public partial class Door : NetEntity
            {
                public enum DoorState { Open, Closed }

                [Replicated] public DoorState Position;

                [Replicated] public int StateCount;
            }
            """);
    }
}
