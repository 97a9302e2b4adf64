using Microsoft.CodeAnalysis.Testing;
using Travelers.Generators;
using V = Travelers.Analyzers.Tests.Verify<Travelers.Analyzers.Rules.RpcCalledDirectlyAnalyzer>;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV3008: an [Rpc] method called directly runs locally; calls through the proxies and generated dispatch are not reported.</summary>
public sealed class RpcCalledDirectlyTests
{
    [Fact]
    public async Task Direct_calls_are_reported_with_the_proxy_to_use_and_proxy_calls_are_not()
    {
        var test = new WithGenerators
        {
            TestCode = """
                using System.Numerics;
                using Travelers;

                public partial class Player : NetEntity
                {
                    [Replicated] public int Hp;
                    [Rpc(RpcTarget.Server)] public void Fire(Vector2 aim) { }
                    [Rpc(RpcTarget.Owner)] public void Damaged(int amount) { {|#0:Fire(default)|}; }
                }

                class Game
                {
                    void Tick(Player player)
                    {
                        {|#1:player.Fire(Vector2.One)|};
                        {|#2:player.Damaged(3)|};
                        player.Server.Fire(Vector2.One);
                        player.Owner.Damaged(3);
                    }
                }
                """,
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.RpcCalledDirectly).WithLocation(0).WithArguments("Fire", "on the server", "Server"));
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.RpcCalledDirectly).WithLocation(1).WithArguments("Fire", "on the server", "Server"));
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.RpcCalledDirectly).WithLocation(2).WithArguments("Damaged", "on the owning client", "Owner"));
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_method_group_of_an_rpc_is_reported_as_it_runs_locally_when_invoked()
    {
        var test = new WithGenerators
        {
            TestCode = """
                using System;
                using Travelers;

                public partial class Player : NetEntity
                {
                    [Replicated] public int Hp;
                    [Rpc(RpcTarget.Server)] public void Jump(int height) { }
                    public void Jumped(int height) { }
                }

                class Game
                {
                    event Action<int>? Pressed;

                    void Bind(Player player)
                    {
                        Action<int> jump = {|#0:player.Jump|};
                        Pressed += {|#1:player.Jump|};
                        Pressed += player.Jumped;
                        Pressed += h => player.Server.Jump(h);
                    }
                }
                """,
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.RpcCalledDirectly).WithLocation(0).WithArguments("Jump", "on the server", "Server"));
        test.ExpectedDiagnostics.Add(V.Diagnostic(Descriptors.RpcCalledDirectly).WithLocation(1).WithArguments("Jump", "on the server", "Server"));
        await test.RunAsync(CancellationToken.None);
    }

    private sealed class WithGenerators : V.AnalyzerTestBase
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(NetMessageGenerator), typeof(NetEntityGenerator), typeof(RpcGenerator)];
    }
}
