using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.EntityVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV4007: an entity type that is generic, or that a client could not create with <c>new T()</c>.</summary>
public sealed class EntityNotCreatableTests
{
    [Fact]
    public async Task Generic_entities_and_entities_without_a_parameterless_constructor_are_reported_at_their_name()
    {
        await AnalyzerAsync(
            """
            using Travelers;

            public partial class {|#0:Pickup|}<T> : NetEntity
            {
                [Replicated] public int Amount;
            }

            public partial class {|#1:Door|} : NetEntity
            {
                public Door(int key) => Key = key;

                [Replicated] public int Key;
            }

            public partial class {|#2:Badge|} : NetEntity
            {
                [Replicated] public required int Rank;
            }
            """,
            Diagnostic(DiagnosticDescriptors.EntityNotCreatable, 0, "Pickup", "it is generic or nested in a generic type; an entity type needs one id and schema, so declare a non-generic type for each use"),
            Diagnostic(DiagnosticDescriptors.EntityNotCreatable, 1, "Door", "it has no parameterless constructor, which a client calls to create its copy of an entity; add one (it may be private)"),
            Diagnostic(DiagnosticDescriptors.EntityNotCreatable, 2, "Badge", "it has required members, which a client cannot set when it creates its copy of an entity; mark its parameterless constructor [SetsRequiredMembers] or drop 'required'"));
    }

    [Fact]
    public async Task Abstract_entities_private_constructors_and_SetsRequiredMembers_are_fine()
    {
        await AnalyzerAsync(
            """
            using System.Diagnostics.CodeAnalysis;
            using Travelers;

            public abstract partial class Pickup : NetEntity
            {
                protected Pickup(int amount) => Amount = amount;

                [Replicated] public int Amount;
            }

            public partial class Door : NetEntity
            {
                public Door(int key) => Key = key;

                private Door() { }

                [Replicated] public int Key;
            }

            public partial class Badge : NetEntity
            {
                [SetsRequiredMembers]
                public Badge(int rank = 1) => Rank = rank;

                [Replicated] public required int Rank;
            }
            """);
    }
}
