using System.Globalization;
using System.Text;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.DuplicateMessageIdAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

public sealed class DuplicateMessageIdTests
{
    private const string ExplicitReason = "give one of them a different explicit [NetMessage(Id = ...)]";

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Expected(int location, string self, string other, ulong id, string reason) =>
        V.Diagnostic(Descriptors.DuplicateMessageId).WithLocation(location).WithArguments(self, other, id.ToString("X16", CultureInfo.InvariantCulture), reason);

    /// <summary>The stable id, written out here (FNV-1a 64 over UTF-8) so the test does not trust the code it checks.</summary>
    private static ulong Fnv1a64(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return hash == 0 ? 1 : hash;
    }

    [Fact]
    public async Task Same_explicit_id_on_two_types_is_reported_on_both()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            namespace Game
            {
                [NetMessage(Id = 0x42UL)]
                public partial class {|#0:Move|} { public int X { get; set; } }

                [NetMessage(Id = 0x42UL)]
                public partial struct {|#1:Jump|} { public int H; }
            }
            """,
            Expected(0, "Game.Move", "Game.Jump", 0x42, ExplicitReason),
            Expected(1, "Game.Jump", "Game.Move", 0x42, ExplicitReason));
    }

    [Fact]
    public async Task Explicit_id_equal_to_another_types_stable_id_is_reported_on_both()
    {
        ulong stable = Fnv1a64("Game.Alpha");
        await V.AnalyzerAsync(
            $$"""
            using Travelers;

            namespace Game
            {
                [NetMessage]
                public partial class {|#0:Alpha|} { public int X { get; set; } }

                [NetMessage(Id = 0x{{stable:X16}}UL)]
                public partial class {|#1:Beta|} { public int Y { get; set; } }
            }
            """,
            Expected(0, "Game.Alpha", "Game.Beta", stable, ExplicitReason),
            Expected(1, "Game.Beta", "Game.Alpha", stable, ExplicitReason));
    }

    [Fact]
    public async Task Nested_type_full_name_is_hashed_like_the_generator()
    {
        ulong stable = Fnv1a64("Game.Outer.Inner");
        await V.AnalyzerAsync(
            $$"""
            using Travelers;

            namespace Game
            {
                public partial class Outer
                {
                    [NetMessage]
                    public partial class {|#0:Inner|} { public int X { get; set; } }
                }

                [NetMessage(Id = {{stable}}UL)]
                public partial class {|#1:Other|} { public int Y { get; set; } }
            }
            """,
            Expected(0, "Game.Outer.Inner", "Game.Other", stable, ExplicitReason),
            Expected(1, "Game.Other", "Game.Outer.Inner", stable, ExplicitReason));
    }

    [Fact]
    public async Task Distinct_ids_are_not_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            namespace Game
            {
                [NetMessage(Id = 1UL)] public partial class A { public int X { get; set; } }
                [NetMessage(Id = 2UL)] public partial class B { public int X { get; set; } }
                [NetMessage] public partial class C { public int X { get; set; } }
                [NetMessage] public partial class D { public int X { get; set; } }
                [NetMessage(Id = 0UL)] public partial class E { public int X { get; set; } }
            }
            """);
    }

    [Fact]
    public async Task Types_without_NetMessage_are_ignored()
    {
        ulong stable = Fnv1a64("Game.Plain");
        await V.AnalyzerAsync(
            $$"""
            using Travelers;

            namespace Game
            {
                public class Plain { public int X { get; set; } }
                public class Other { public int X { get; set; } }

                [NetMessage(Id = {{stable}}UL)]
                public partial class Real { public int X { get; set; } }
            }
            """);
    }

    [Fact]
    public async Task Three_types_with_one_id_each_name_the_same_other()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            namespace Game
            {
                [NetMessage(Id = 7UL)] public partial class {|#0:A|} { public int X { get; set; } }
                [NetMessage(Id = 7UL)] public partial class {|#1:B|} { public int X { get; set; } }
                [NetMessage(Id = 7UL)] public partial class {|#2:C|} { public int X { get; set; } }
            }
            """,
            Expected(0, "Game.A", "Game.B", 7, ExplicitReason),
            Expected(1, "Game.B", "Game.A", 7, ExplicitReason),
            Expected(2, "Game.C", "Game.A", 7, ExplicitReason));
    }

    [Fact]
    public async Task Generic_messages_which_the_generator_refuses_are_ignored()
    {
        // Foo<T> and Foo<T, U> share the full name 'Game.Foo', but neither ever reaches the wire.
        await V.AnalyzerAsync(
            """
            using Travelers;

            namespace Game
            {
                [NetMessage] public partial class Foo<T> { public int X { get; set; } }
                [NetMessage] public partial class Foo<T, U> { public int X { get; set; } }
            }
            """);
    }
}
