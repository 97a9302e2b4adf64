using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Travelers.Generators.Tests;

/// <summary>Default values of [Rpc] parameters are repeated on the proxies, whatever the user's file imports.</summary>
public sealed class RpcDefaultValueTests
{
    [Fact]
    public void Defaults_naming_imported_types_compile_and_keep_their_values()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            namespace Other
            {
                public enum Team : short { Red = -1, Blue = 2 }
                public static class Limits { public const int Max = 5; public const string Greeting = "hi \"you\"\n"; }
            }
            namespace DefaultsGame
            {
                using Other;
                using Travelers;
                using static Other.Limits;
                public partial class Player : NetEntity
                {
                    [Replicated] public int Score;
                    [Rpc(RpcTarget.Server)]
                    void Pick(Team team = Team.Blue, int count = Limits.Max, [MaxLength(16)] string text = Greeting, Team? maybe = Team.Red,
                        float f = -1.5f, double d = double.NaN, decimal m = 1.25m, long l = long.MinValue, char c = '\'', int? none = null, bool b = true) { }
                }
            }
            """);

        Assert.Empty(result.Diagnostics);
        var problems = output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        using var stream = new MemoryStream();
        Assert.True(output.Emit(stream, cancellationToken: TestContext.Current.CancellationToken).Success);
        Assembly assembly = Assembly.Load(stream.ToArray());
        Type team = assembly.GetType("Other.Team")!;
        ParameterInfo[] proxy = assembly.GetType("DefaultsGame.Player+ServerRpcs")!.GetMethod("Pick")!.GetParameters();
        ParameterInfo[] method = assembly.GetType("DefaultsGame.Player")!.GetMethod("Pick", BindingFlags.Instance | BindingFlags.NonPublic)!.GetParameters();
        Assert.Equal(method.Select(p => p.DefaultValue), proxy.Select(p => p.DefaultValue));
        Assert.Equal(
            [Enum.ToObject(team, 2), 5, "hi \"you\"\n", -1.5f, double.NaN, 1.25m, long.MinValue, '\'', null, true],
            proxy.Where(p => p.Name != "maybe").Select(p => p.DefaultValue));
    }
}
