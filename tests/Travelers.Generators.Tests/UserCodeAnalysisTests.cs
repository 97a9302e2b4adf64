namespace Travelers.Generators.Tests;

/// <summary>
/// <c>RunsUserCode =&gt; false</c> lets NetSerializer drop the handler that turns user code's exceptions into
/// NetSerializationException, so it must be emitted only where no user code can run: every case that can
/// run some has to keep the default (true).
/// </summary>
public class UserCodeAnalysisTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        { "fields only", "[NetMessage] public partial struct M { public int A; public float B; }", false },
        { "auto-properties with constant and System initializers", "[NetMessage] public partial class M { public string Name { get; set; } = \"\"; public List<int> Items { get; set; } = new(); public string Tag { get; init; } = string.Empty; public int[] Ids { get; set; } = []; public int[] More { get; set; } = Array.Empty<int>(); }", false },
        { "record with a primary constructor", "[NetMessage] public partial record M(int A, string B);", false },
        { "record struct with a primary constructor", "[NetMessage] public partial record struct M(int A, float B);", false },
        { "nested message with none", "[NetMessage] public partial struct Inner { public int X; } [NetMessage] public partial struct M { public Inner In; public List<Inner> Many; }", false },
        { "dictionary with a string key", "[NetMessage] public partial class M { public Dictionary<string, int> Counts { get; set; } = new(); }", false },
        { "property with a setter body", "[NetMessage] public partial class M { private int _a; public int A { get => _a; set => _a = value < 0 ? throw new ArgumentException() : value; } }", true },
        { "expression-bodied getter", "[NetMessage] public partial class M { public int A { get; set; } public int B { get => A; set { } } }", true },
        { "initializer calling a method", "[NetMessage] public partial class M { public int A { get; set; } = Compute(); private static int Compute() => 1; }", true },
        { "non-serialized field initializer calling a method", "[NetMessage] public partial class M { public int A { get; set; } private readonly int _b = Environment.TickCount; }", true },
        { "initializer creating a user type", "public class Helper { } [NetMessage] public partial class M { public int A { get; set; } private readonly Helper _h = new(); }", true },
        { "explicit constructor", "[NetMessage] public readonly partial struct M { public M(int a) { A = a; } public int A { get; } }", true },
        { "explicit parameterless struct constructor", "[NetMessage] public partial struct M { public M() { A = 1; } public int A; }", true },
        { "class with an explicit parameterless constructor", "[NetMessage] public partial class M { public M() { } public int A { get; set; } }", true },
        { "base type", "public class Base { public Base() { } } [NetMessage] public partial class M : Base { public int A { get; set; } }", true },
        { "custom serializer on a member", "public struct Money { public long Cents; } public sealed class MoneySerializer : INetSerializer<Money> { public static void Write(ref NetWriter w, in Money v) => w.WriteInt64(v.Cents); public static Money Read(ref NetReader r) => new() { Cents = r.ReadInt64() }; } [NetMessage] public partial struct M { [NetSerializer(typeof(MoneySerializer))] public Money Price; }", true },
        { "nested message with user code", "[NetMessage] public partial class Inner { public Inner() { } public int X { get; set; } } [NetMessage] public partial struct M { public Inner? In; }", true },
        { "message as a dictionary key", "[NetMessage] public partial struct Key { public int X; } [NetMessage] public partial class M { public Dictionary<Key, int> Counts { get; set; } = new(); }", true },
        { "message in a hash set", "[NetMessage] public partial struct Key { public int X; } [NetMessage] public partial class M { public HashSet<Key> Seen { get; set; } = new(); }", true },
        { "partial property implemented with a setter body", "[NetMessage] public partial class M { public partial int A { get; set; } } public partial class M { private int _a; public partial int A { get => _a; set => _a = value < 0 ? throw new ArgumentException() : value; } }", true },
        { "partial property implemented in the same declaration", "[NetMessage] public partial class M { public partial int A { get; set; } private int _a; public partial int A { get => _a; set => _a = value < 0 ? throw new ArgumentException() : value; } }", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RunsUserCode_is_false_only_when_nothing_but_Travelers_code_can_run(string name, string declaration, bool runsUserCode)
    {
        // The message under test is always M.
        string source = "using System; using System.Collections.Generic; using Travelers; namespace Game; " + declaration;
        (Microsoft.CodeAnalysis.GeneratorDriverRunResult result, Microsoft.CodeAnalysis.Compilation output) = GeneratorHarness.Run(source);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        string generated = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("Game.M.NetMessage.g.cs", StringComparison.Ordinal)).ToString();
        bool emittedFalse = generated.Contains(".RunsUserCode => false;", StringComparison.Ordinal);
        Assert.True(emittedFalse == !runsUserCode, $"{name}: expected RunsUserCode {runsUserCode}\n{generated}");
    }

    [Fact]
    public void TryDeserialize_returns_false_when_a_partial_property_setter_refuses_a_value()
    {
        (Microsoft.CodeAnalysis.GeneratorDriverRunResult result, Microsoft.CodeAnalysis.Compilation output) = GeneratorHarness.Run("""
            using Travelers;
            namespace PartialGame;
            [NetMessage] public partial class Level { public partial int Value { get; set; } }
            public partial class Level
            {
                private int _value;
                public partial int Value { get => _value; set => _value = value >= 0 ? value : throw new System.ArgumentOutOfRangeException(nameof(value)); }
            }
            [NetMessage] public partial struct RawLevel { public int Value; }
            public static class Probe
            {
                public static string Run()
                {
                    var raw = new RawLevel { Value = -1 };
                    byte[] bytes = NetSerializer.Serialize(in raw);
                    try { _ = NetSerializer.Deserialize<Level>(bytes); return "no exception"; }
                    catch (NetSerializationException e) when (e.InnerException is System.ArgumentOutOfRangeException)
                    {
                        return NetSerializer.TryDeserialize<Level>(bytes, out _) ? "true" : "false";
                    }
                }
            }
            """);

        Assert.Empty(result.Diagnostics);
        using var stream = new MemoryStream();
        Assert.True(output.Emit(stream, cancellationToken: TestContext.Current.CancellationToken).Success);
        Type probe = System.Reflection.Assembly.Load(stream.ToArray()).GetTypes().Single(t => t.Name == "Probe");
        object? outcome;
        try
        {
            outcome = probe.GetMethod("Run")!.Invoke(null, null);
        }
        catch (System.Reflection.TargetInvocationException e)
        {
            outcome = e.InnerException!.GetType().Name; // the setter's exception escaped NetSerializer unwrapped
        }

        Assert.Equal("false", outcome);
    }
}
