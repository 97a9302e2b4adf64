using Microsoft.CodeAnalysis.Testing;
using Travelers.Generators;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.RpcCalledDirectlyAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV3008: base.M() inside an override of the [Rpc] method M is part of the RPC's body, not a direct call.</summary>
public sealed class RpcCalledDirectlyOverrideTests
{
    [Fact]
    public async Task A_base_call_inside_an_override_of_an_rpc_is_not_reported_and_other_calls_still_are()
    {
        var test = new WithGenerators
        {
            TestCode = """
                using Travelers;

                public partial class Player : NetEntity
                {
                    [Replicated] public int Hp;
                    [Rpc(RpcTarget.Server)] public virtual void Jump(int height) { }
                }

                public partial class Hero : Player
                {
                    public override void Jump(int height) { base.Jump(height + 1); }
                    public void Other() { {|#0:base.Jump(1)|}; {|#1:Jump(2)|}; }
                }

                class Game
                {
                    void Tick(Hero hero) { {|#2:hero.Jump(3)|}; }
                }
                """,
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.RpcCalledDirectly).WithLocation(0).WithArguments("Jump", "on the server", "Server"));
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.RpcCalledDirectly).WithLocation(1).WithArguments("Jump", "on the server", "Server"));
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.RpcCalledDirectly).WithLocation(2).WithArguments("Jump", "on the server", "Server"));
        await test.RunAsync(CancellationToken.None);
    }

    private sealed class WithGenerators : V.AnalyzerTestBase
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(NetMessageGenerator), typeof(NetEntityGenerator), typeof(RpcGenerator)];
    }
}
