using Microsoft.CodeAnalysis;

namespace Travelers.Generators.Tests;

/// <summary>Types whose names differ only by case are distinct C# types: each gets its file (Roslyn compares hint names ignoring case).</summary>
public sealed class HintNameTests
{
    [Fact]
    public void Messages_entities_and_rpc_types_whose_names_differ_only_by_case_are_all_generated()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using Travelers;
            namespace CaseGame;
            [NetMessage] public partial struct Chat { public int A; }
            [NetMessage] public partial struct CHAT { public long B; }
            public partial class Npc : NetEntity { [Replicated] public int A; [Rpc(RpcTarget.Server)] void Poke(int a) { } }
            public partial class NPC : NetEntity { [Replicated] public partial int B { get; set; } [Rpc(RpcTarget.Server)] void Poke(long b) { } }
            """);

        Assert.Empty(result.Diagnostics); // no CS8785: no generator failed
        var problems = output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        string[] names = result.Sources().Select(s => s.HintName).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("CaseGame.CHAT.NetMessage.g.cs", names); // the ordinal first of each group keeps the plain name
        Assert.Contains("CaseGame.NPC.NetEntity.g.cs", names);
        Assert.Contains("CaseGame.NPC.Rpc.g.cs", names);
        Assert.Equal(9, names.Length); // 2 messages, 2 entities, 2 RPC types and the three registrations
    }
}
