using Microsoft.CodeAnalysis.Testing;
using Travelers.CodeFixes;
using Travelers.Generators;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.NotAMessageAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV5001's fix on a nested type: the generator needs every enclosing type partial too, or the message stays unimplemented.</summary>
public sealed class MarkAsMessageNestedTests
{
    [Fact]
    public async Task Fix_on_a_nested_class_also_makes_the_enclosing_class_partial_and_the_call_compiles()
    {
        var test = new WithGenerators
        {
            TestCode = """
                using Travelers;

                namespace Game;

                public class Lobby
                {
                    // what players type
                    public class Chat
                    {
                        public int Code;
                    }
                }

                class Sender
                {
                    byte[] Send(Lobby.Chat chat) => NetSerializer.{|CS0311:Serialize<{|#0:Lobby.Chat|}>|}(chat);
                }
                """,
            FixedCode = """
                using Travelers;

                namespace Game;

                public partial class Lobby
                {
                    // what players type
                    [NetMessage]
                    public partial class Chat
                    {
                        public int Code;
                    }
                }

                class Sender
                {
                    byte[] Send(Lobby.Chat chat) => NetSerializer.Serialize<Lobby.Chat>(chat);
                }
                """,
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.NotAMessage).WithLocation(0).WithArguments("Chat", "NetSerializer.Serialize<T>"));
        await test.RunAsync(CancellationToken.None);
    }

    private sealed class WithGenerators : V.CodeFixTest<MarkAsMessageCodeFix>
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(NetMessageGenerator), typeof(NetEntityGenerator), typeof(RpcGenerator)];
    }
}
