using Microsoft.CodeAnalysis.Testing;
using Travelers.Analyzers.Rules;
using Travelers.Generators;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.UnreliableMayFragmentAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV5002. The sources run with the generator, so messages are real messages and Send compiles.</summary>
public sealed class UnreliableMayFragmentTests
{
    private const string Messages = """
        using System.Collections.Generic;
        using System.Numerics;
        using Travelers;

        [NetMessage] public partial struct Input { public uint Tick; public Vector2 Move; public bool Fire; }
        [NetMessage] public partial class Chat { [MaxLength(100)] public string Text { get; set; } = ""; }
        [NetMessage] public partial class Unbounded { public string Text { get; set; } = ""; }
        [NetMessage] public partial class View { [MaxLength(64)] public List<Input> Players { get; set; } = new(); }
        [NetMessage] public partial class Crowd { [MaxLength(100)] public List<Input> Players { get; set; } = new(); }
        """;

    private static Task RunAsync(string code, params DiagnosticResult[] expected)
    {
        var test = new WithGenerator { TestCode = code, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.TestState.Sources.Add(("Messages.cs", Messages));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    private static DiagnosticResult Expected(string type, string size, string mode) =>
        V.Diagnostic(Descriptors.UnreliableMayFragment).WithLocation(0).WithArguments(type, size, "1,160", mode);

    [Fact]
    public async Task A_string_without_MaxLength_sent_unreliably_is_reported()
    {
        await RunAsync(
            """
            using Travelers;

            class Game
            {
                void Tick(NetConnection to, Unbounded message) => to.Send(message, {|#0:Delivery.Unreliable|});
            }
            """,
            Expected("Unbounded", "196,614", "Unreliable"));
    }

    [Fact]
    public async Task A_list_whose_bound_passes_a_datagram_is_reported_sequenced_too_and_on_SendToAll()
    {
        // 100 inputs of 13 bytes, a count and a presence byte: 1,306 bytes; 64 of them: 838, which fits.
        await RunAsync(
            """
            using Travelers;

            class Game
            {
                void Tick(NetServer server, NetClient client, Crowd crowd, View view)
                {
                    server.SendToAll(crowd, {|#0:Delivery.UnreliableSequenced|}, 1);
                    client.Send(view, Delivery.Unreliable);
                }
            }
            """,
            Expected("Crowd", "1,306", "UnreliableSequenced"));
    }

    [Fact]
    public async Task Small_messages_reliable_sends_and_delivery_not_known_here_are_not_reported()
    {
        await RunAsync(
            """
            using Travelers;

            class Game
            {
                void Tick(NetConnection to, Input input, Chat chat, Unbounded big, Delivery chosen)
                {
                    to.Send(input, Delivery.Unreliable);
                    to.Send(chat, Delivery.UnreliableSequenced);
                    to.Send(big);
                    to.Send(big, Delivery.ReliableUnordered);
                    to.Send(big, chosen);
                }
            }
            """);
    }

    private sealed class WithGenerator : V.AnalyzerTestBase
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(NetMessageGenerator)];
    }
}
