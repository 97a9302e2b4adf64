using Travelers.CodeFixes;
using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.EntityVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV4002: an entity, or a type around it, is not partial; the fix adds 'partial' wherever it is missing.</summary>
public sealed class EntityNotPartialTests
{
    [Fact]
    public async Task An_entity_that_is_not_partial_gets_partial()
    {
        await CodeFixAsync<AddPartialCodeFix>(
            """
            using Travelers;

            public class {|#0:Player|} : NetEntity
            {
                [Replicated] public int Score;
            }
            """,
            """
            using Travelers;

            public partial class Player : NetEntity
            {
                [Replicated] public int Score;
            }
            """,
            Diagnostic(DiagnosticDescriptors.EntityNotPartial, 0, "Player", "Player"));
    }

    [Fact]
    public async Task Containing_types_get_partial_too_and_fix_all_covers_every_entity()
    {
        await CodeFixAsync<AddPartialCodeFix>(
            """
            using Travelers;

            public static class Level
            {
                public partial class {|#0:Door|} : NetEntity
                {
                    [Replicated] public bool Open;
                }

                internal sealed class {|#1:Lever|} : NetEntity
                {
                    [Replicated] public bool Down;
                }
            }

            class {|#2:Crate|} : NetEntity
            {
                [Replicated] public int Size;
            }
            """,
            """
            using Travelers;

            public static partial class Level
            {
                public partial class Door : NetEntity
                {
                    [Replicated] public bool Open;
                }

                internal sealed partial class Lever : NetEntity
                {
                    [Replicated] public bool Down;
                }
            }

            partial class Crate : NetEntity
            {
                [Replicated] public int Size;
            }
            """,
            Diagnostic(DiagnosticDescriptors.EntityNotPartial, 0, "Door", "Level"),
            Diagnostic(DiagnosticDescriptors.EntityNotPartial, 1, "Lever", "Lever"),
            Diagnostic(DiagnosticDescriptors.EntityNotPartial, 1, "Lever", "Level"),
            Diagnostic(DiagnosticDescriptors.EntityNotPartial, 2, "Crate", "Crate"));
    }

    [Fact]
    public async Task Partial_entities_in_partial_types_get_nothing()
    {
        await AnalyzerAsync(
            """
            using Travelers;

            public static partial class Level
            {
                public partial class Door : NetEntity
                {
                    [Replicated] public partial bool Open { get; set; }
                }
            }
            """);
    }
}
