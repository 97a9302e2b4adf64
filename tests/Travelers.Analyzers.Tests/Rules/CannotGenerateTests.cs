using Microsoft.CodeAnalysis.Testing;
using Travelers.CodeFixes;
using Travelers.Generators;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV1001-TRV1005 come from the analyzer on source locations; TRV1001 has a fix.</summary>
public sealed class CannotGenerateTests
{
    private static DiagnosticResult NotPartial(int location, string type, string missing) =>
        Verify<CannotGenerateAnalyzer>.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(location).WithArguments(type, missing);

    [Fact]
    public async Task A_message_that_is_not_partial_gets_partial()
    {
        await Verify<CannotGenerateAnalyzer>.CodeFixAsync<AddPartialCodeFix>(
            """
            using Travelers;

            [NetMessage]
            public struct {|#0:Ping|}
            {
                public int A;
            }
            """,
            """
            using Travelers;

            [NetMessage]
            public partial struct Ping
            {
                public int A;
            }
            """,
            NotPartial(0, "Ping", "Ping"));
    }

    [Fact]
    public async Task Containing_types_get_partial_too_and_fix_all_covers_every_message()
    {
        await Verify<CannotGenerateAnalyzer>.CodeFixAsync<AddPartialCodeFix>(
            """
            using Travelers;

            public static class Outer
            {
                [NetMessage]
                public record {|#0:Chat|}(string Text);

                [NetMessage]
                internal sealed class {|#1:Join|}
                {
                    public int Seat { get; set; }
                }
            }

            [NetMessage]
            class {|#2:Bare|}
            {
                public int A;
            }
            """,
            """
            using Travelers;

            public static partial class Outer
            {
                [NetMessage]
                public partial record Chat(string Text);

                [NetMessage]
                internal sealed partial class Join
                {
                    public int Seat { get; set; }
                }
            }

            [NetMessage]
            partial class Bare
            {
                public int A;
            }
            """,
            NotPartial(0, "Chat", "Chat"),
            NotPartial(0, "Chat", "Outer"),
            NotPartial(1, "Join", "Join"),
            NotPartial(1, "Join", "Outer"),
            NotPartial(2, "Bare", "Bare"));
    }

    [Fact]
    public async Task An_unsupported_member_is_reported_at_the_member_and_can_be_suppressed_with_pragma()
    {
        await Verify<CannotGenerateAnalyzer>.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial class Bag
            {
                public object? {|#0:Thing|};
            #pragma warning disable TRV1002
                public System.Action? Callback;
            #pragma warning restore TRV1002
            }
            """,
            Verify<CannotGenerateAnalyzer>.Diagnostic(DiagnosticDescriptors.UnsupportedMemberType).WithLocation(0)
                .WithArguments("Thing", "Bag", "object?", "'object' has no fixed shape: the reader could not know what to create"));
    }

    [Fact]
    public async Task A_correct_message_and_a_plain_type_get_nothing()
    {
        await Verify<CannotGenerateAnalyzer>.AnalyzerAsync(
            """
            using Travelers;

            [NetMessage]
            public partial record struct Move(uint Tick, float X);

            public class NotAMessage
            {
                public object? Anything;
            }
            """);
    }
}
