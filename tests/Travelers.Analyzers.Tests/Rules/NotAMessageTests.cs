using Microsoft.CodeAnalysis.Testing;
using Travelers.Analyzers.Rules;
using Travelers.CodeFixes;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.NotAMessageAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>
/// TRV5001. Test sources compile without the generator, so every misuse also carries the compiler's own
/// constraint error (CS0311 for a class, CS0315 for a struct), written as markup next to the rule's:
/// the point of the rule is to say more than that error does.
/// </summary>
public sealed class NotAMessageTests
{
    private static DiagnosticResult Expected(string type, string method) =>
        V.Diagnostic(Descriptors.NotAMessage).WithLocation(0).WithArguments(type, method);

    [Fact]
    public async Task Serialize_with_a_plain_class_is_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            class Chat { public string Text = ""; }

            class Game
            {
                byte[] Send(Chat chat) => NetSerializer.{|CS0311:Serialize<{|#0:Chat|}>|}(chat);
            }
            """,
            Expected("Chat", "NetSerializer.Serialize<T>"));
    }

    [Fact]
    public async Task Serialize_with_an_inferred_struct_is_reported_on_the_method_name()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            struct Input { public int Tick; }

            class Game
            {
                byte[] Send(Input input) => NetSerializer.{|#0:{|CS0315:Serialize|}|}(input);
            }
            """,
            Expected("Input", "NetSerializer.Serialize<T>"));
    }

    [Fact]
    public async Task Deserialize_with_a_record_is_reported()
    {
        await V.AnalyzerAsync(
            """
            using System;
            using Travelers;

            record Joined(string Name);

            class Game
            {
                object Read(byte[] bytes) => NetSerializer.{|CS0311:Deserialize<{|#0:Joined|}>|}(bytes);
            }
            """,
            Expected("Joined", "NetSerializer.Deserialize<T>"));
    }

    [Fact]
    public async Task TryDeserialize_with_a_struct_is_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            struct Input { public int Tick; }

            class Game
            {
                bool Read(byte[] bytes) => NetSerializer.{|CS0315:TryDeserialize<{|#0:Input|}>|}(bytes, out _);
            }
            """,
            Expected("Input", "NetSerializer.TryDeserialize<T>"));
    }

    [Fact]
    public async Task Register_with_a_plain_class_is_reported()
    {
        await V.AnalyzerAsync(
            """
            using Travelers;

            class Chat { }

            class Game
            {
                void Start() => NetMessageRegistry.{|CS0311:Register<{|#0:Chat|}>|}();
            }
            """,
            Expected("Chat", "NetMessageRegistry.Register<T>"));
    }

    [Fact]
    public async Task A_message_and_a_constrained_caller_are_not_reported()
    {
        await V.AnalyzerAsync(
            """
            using System;
            using Travelers;

            // What the generator writes for a [NetMessage] type, by hand: test sources do not run it.
            struct Real : INetMessage<Real>
            {
                public static ulong MessageId => 1;
                public static string MessageSchema => "Real";
                public static void Serialize(ref NetWriter writer, in Real value) { }
                public static Real Deserialize(ref NetReader reader) => default;
            }

            class Game
            {
                byte[] Send(Real real) => NetSerializer.Serialize(real);
                Real Read(byte[] bytes) => NetSerializer.Deserialize<Real>(bytes);
                bool TryRead(byte[] bytes) => NetSerializer.TryDeserialize<Real>(bytes, out _);
                void Start() => NetMessageRegistry.Register<Real>();
                byte[] SendAny<T>(T value) where T : INetMessage<T> => NetSerializer.Serialize<T>(value);
                T ReadAny<T>(byte[] bytes) where T : INetMessage<T> => NetSerializer.Deserialize<T>(bytes);
            }
            """);
    }

    [Fact]
    public async Task Fix_marks_a_class_NetMessage_and_partial()
    {
        await V.CodeFixAsync<MarkAsMessageCodeFix>(
            """
            using Travelers;

            public class Chat
            {
                public string Text = "";
            }

            class Game
            {
                byte[] Send(Chat chat) => NetSerializer.{|CS0311:Serialize<{|#0:Chat|}>|}(chat);
            }
            """,
            """
            using Travelers;

            [NetMessage]
            public partial class Chat
            {
                public string Text = "";
            }

            class Game
            {
                byte[] Send(Chat chat) => NetSerializer.{|CS0311:Serialize<Chat>|}(chat);
            }
            """,
            Expected("Chat", "NetSerializer.Serialize<T>"));
    }

    [Fact]
    public async Task Fix_marks_a_struct_and_adds_the_using()
    {
        await V.CodeFixAsync<MarkAsMessageCodeFix>(
            """
            namespace Game;

            /// <summary>What a client sends every tick.</summary>
            readonly struct Input
            {
                public readonly int Tick;
            }

            static class Sender
            {
                static byte[] Send(Input input) => Travelers.NetSerializer.{|#0:{|CS0315:Serialize|}|}(input);
            }
            """,
            """
            using Travelers;

            namespace Game;

            /// <summary>What a client sends every tick.</summary>
            [NetMessage]
            readonly partial struct Input
            {
                public readonly int Tick;
            }

            static class Sender
            {
                static byte[] Send(Input input) => Travelers.NetSerializer.{|CS0315:Serialize|}(input);
            }
            """,
            Expected("Input", "NetSerializer.Serialize<T>"));
    }

    [Fact]
    public async Task Fix_all_marks_every_type()
    {
        await V.CodeFixAsync<MarkAsMessageCodeFix>(
            """
            using Travelers;

            class Chat { }

            struct Input { }

            class Game
            {
                void Start()
                {
                    NetMessageRegistry.{|CS0311:Register<{|#0:Chat|}>|}();
                    NetMessageRegistry.{|CS0315:Register<{|#1:Input|}>|}();
                }
            }
            """,
            """
            using Travelers;

            [NetMessage]
            partial class Chat { }

            [NetMessage]
            partial struct Input { }

            class Game
            {
                void Start()
                {
                    NetMessageRegistry.{|CS0311:Register<Chat>|}();
                    NetMessageRegistry.{|CS0315:Register<Input>|}();
                }
            }
            """,
            Expected("Chat", "NetMessageRegistry.Register<T>"),
            V.Diagnostic(Descriptors.NotAMessage).WithLocation(1).WithArguments("Input", "NetMessageRegistry.Register<T>"));
    }
}
