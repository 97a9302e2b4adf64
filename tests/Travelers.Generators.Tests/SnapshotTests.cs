using Microsoft.CodeAnalysis;

namespace Travelers.Generators.Tests;

/// <summary>Every representative message's generated code, compared with its baseline; the output must compile cleanly.</summary>
public sealed class SnapshotTests
{
    public static TheoryData<string> Cases => new(Sources.Keys);

    private static readonly Dictionary<string, string> Sources = new()
    {
        ["Struct"] = """
            using System.Numerics;
            using Travelers;
            namespace Game;
            [NetMessage]
            public partial struct PlayerInput { public uint Tick; public float X, Y, Z, Yaw, Pitch; public ushort Buttons; public bool Fire; }
            """,
        ["Record"] = """
            using Travelers;
            namespace Game;
            [NetMessage(Id = 7)]
            public partial record ChatLine(string From, [MaxLength(256)] string Text);
            """,
        ["Class"] = """
            using System;
            using Travelers;
            namespace Game;
            [NetMessage]
            public partial class Profile
            {
                public string? Name { get; set; }
                public Guid Account { get; init; }
                public DateTime Joined { get; init; }
                public TimeSpan Played { get; init; }
                [VarInt] public int Level { get; init; }
                [NetIgnore] public int CachedScore { get; set; }
                public int Computed => Level * 2;
            }
            """,
        ["Nested"] = """
            using System.Numerics;
            using Travelers;
            namespace Game;
            public partial class Protocol
            {
                [NetMessage]
                public partial struct EntityState { public uint Id; public Vector3 Pos; public Quaternion Rot; public byte Flags; }

                [NetMessage]
                public partial class Snapshot { public uint Tick; public EntityState[] Entities = System.Array.Empty<EntityState>(); public Snapshot? Previous; public EntityState? Focus; }
            }
            """,
        ["Collections"] = """
            using System;
            using System.Collections.Generic;
            using Travelers;
            namespace Game;
            public enum Team : byte { Red, Blue }
            [NetMessage]
            public partial class Inventory
            {
                public int[] Slots = Array.Empty<int>();
                public List<string> Names = new();
                public Dictionary<string, int> Counts = new();
                public HashSet<Team> Teams = new();
                public byte[]? Blob;
                public ReadOnlyMemory<byte> Payload;
                public int[][]? Grid;
                public List<int?> Maybe = new();
                [MaxLength(16)] public List<string?>? Tags;
            }
            """,
        ["VersionTolerant"] = """
            using Travelers;
            namespace Game;
            [NetMessage(Id = 500, VersionTolerant = true)]
            public partial class Settings { public string Name { get; set; } = ""; public int Volume { get; set; } }
            [NetMessage(Id = 501, VersionTolerant = true)]
            public partial record Loadout(string Weapon, int Ammo);
            """,
        ["CustomSerializer"] = """
            using Travelers;
            namespace Game;
            [NetSerializer(typeof(ColorSerializer))]
            public struct Color { public byte R, G, B; }
            public sealed class ColorSerializer : INetSerializer<Color>
            {
                public static void Write(ref NetWriter writer, in Color value) { writer.WriteByte(value.R); writer.WriteByte(value.G); writer.WriteByte(value.B); }
                public static Color Read(ref NetReader reader) => new Color { R = reader.ReadByte(), G = reader.ReadByte(), B = reader.ReadByte() };
            }
            [NetMessage]
            public partial struct Paint { public Color Fill; public Color Stroke; }
            """,
        ["ReadOnlyStruct"] = """
            using System.Numerics;
            using Travelers;
            namespace Game;
            [NetMessage]
            public readonly partial struct Hit
            {
                public Hit(int target, Vector2 at, float damage) { Target = target; At = at; Damage = damage; }
                public int Target { get; }
                public Vector2 At { get; }
                public float Damage { get; }
            }
            """,
        ["EntityPlayer"] = """
            using System.Numerics;
            using Travelers;
            namespace Game;
            public partial class Player : NetEntity
            {
                [Replicated] public partial Vector3 Position { get; set; }
                [Replicated, Quantize(0, 100, 0.5f)] public partial float Health { get; set; }
                [Replicated, MaxLength(32)] public partial string Name { get; set; }
                [Replicated] public int Score;
                [Replicated, Bits(10)] public partial Quaternion Aim { get; set; }
                public override Vector3? InterestPosition => Position;
            }
            """,
        ["EntityFields"] = """
            using Travelers;
            namespace Game;
            public enum Team : byte { Red, Blue }
            public enum Stance : sbyte { Crouch = -1, Stand, Jump }
            public partial class Unit : NetEntity
            {
                [Replicated] public bool Alive;
                [Replicated, Bits(10)] public int Level;
                [Replicated, Bits(7)] public uint Ammo;
                [Replicated] public short Heading;
                [Replicated] public byte Skin;
                [Replicated] public char Grade;
                [Replicated] public long Gold;
                [Replicated, Bits(40)] public ulong Experience;
                [Replicated] public Team Team;
                [Replicated, Bits(2)] public Stance Stance;
                [Replicated] public NetId Target;
                [Replicated] public double Clock;
                [Replicated] public string? Title;
                [Replicated] public partial int Kills { get; private set; }
                [Replicated] public partial bool Ready { get; init; }
            }
            """,
        ["EntityInherited"] = """
            using System.Numerics;
            using Travelers;
            namespace Game;
            public abstract partial class Actor : NetEntity
            {
                [Replicated] public partial Vector2 Position { get; set; }
                [Replicated] public float Speed;
            }
            public partial class Monster : Actor
            {
                [Replicated, Bits(12)] public partial int Hp { get; set; }
                protected Monster() { }
            }
            public sealed partial class Boss : Monster
            {
                [Replicated, MaxLength(16)] public partial string? Phase { get; set; }
            }
            public partial class Arena
            {
                internal partial class Gate : NetEntity { [Replicated] public bool Open; }
                private partial class Secret : NetEntity { [Replicated] public int Code; }
            }
            """,
        ["EntityQuantized"] = """
            using System.Numerics;
            using Travelers;
            namespace Game;
            public partial class Crate : NetEntity
            {
                [Replicated, Quantize(-256, 256, 1f / 512)] public partial Vector3 Position { get; set; }
                [Replicated, Quantize(-10, 10, 0.01f)] public partial Vector2 Drift { get; set; }
                [Replicated, Quantize(0, 1, 1f / 255)] public Vector4 Tint;
                [Replicated, Bits(10)] public partial Quaternion Rotation { get; set; }
                [Replicated] public partial Quaternion Spin { get; set; }
                [Replicated] public Vector3 Velocity;
                [Replicated] public partial bool Resting { get; set; }
            }
            """,
        ["EntityWithErrors"] = """
            using System.Collections.Generic;
            using Travelers;
            namespace Game;
            public partial class Arena
            {
                // A List is not replicable (TRV4003): the entity gets no replication, but its partial properties are implemented.
                public partial class Crate : NetEntity
                {
                    [Replicated] public partial int Health { get; set; }
                    [Replicated] public partial string? Label { get; protected set; }
                    [Replicated] internal partial float @fixed { get; init; }
                    [Replicated] public List<int> Contents = new();
                }
            }
            """,
        ["RpcEntity"] = """
            using System.Numerics;
            using System.Threading;
            using System.Threading.Tasks;
            using Travelers;
            namespace Game;
            public partial class Player : NetEntity
            {
                [Replicated] public partial Vector3 Position { get; set; }
                [Rpc(RpcTarget.Server)] void Fire(Vector2 aim, RpcContext context) { }
                [Rpc(RpcTarget.Server, MaxPerSecond = 5)] ValueTask<int> Buy(int item, int count = 1) => new(item * count);
                [Rpc(RpcTarget.Server, RequireOwnership = false, Delivery = Delivery.ReliableUnordered, Channel = 2)]
                async ValueTask Use([MaxLength(16)] string what, RpcContext context, CancellationToken cancellationToken) => await Task.Yield();
                [Rpc(RpcTarget.Server)] ValueTask<string?> Name([MaxLength(8)] int[] codes) => new((string?)null);
                [Rpc(RpcTarget.Owner)] void Damaged(int amount) { }
                [Rpc(RpcTarget.Owner)] void Damaged(int amount, Vector3 from) { }
                [Rpc(RpcTarget.Observers, Delivery = Delivery.Unreliable)] void Sound(byte id) { }
            }
            """,
        ["RpcService"] = """
            using System.Threading.Tasks;
            using Travelers;
            namespace Game;
            public partial class Lobby : NetService
            {
                [Rpc(RpcTarget.Server)] ValueTask<int> Join([MaxLength(32)] string name, RpcContext context) => new(1);
                [Rpc(RpcTarget.Observers)] void Announce([MaxLength(64)] string text) { }
            }
            public abstract partial class Actor : NetEntity
            {
                [Replicated] public int Hp;
                [Rpc(RpcTarget.Server)] protected void Move(int dx) { }
            }
            public partial class Soldier : Actor
            {
                [Replicated] public int Ammo;
                [Rpc(RpcTarget.Server)] void Reload() { }
            }
            """,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_code_matches_its_baseline_and_compiles_without_warnings(string caseName)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(Sources[caseName]);

        Assert.Empty(result.Diagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var files = result.Sources().ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.All(files.Values, text => Assert.StartsWith("// <auto-generated/>\n#nullable enable", text));
        Snapshot.Verify(caseName, files);
    }

    [Fact]
    public void Each_message_gets_one_file_named_after_it_plus_one_registration_file()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(Sources["Nested"]);

        var names = result.Sources().Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "Game.Protocol.EntityState.NetMessage.g.cs", "Game.Protocol.Snapshot.NetMessage.g.cs", "Travelers.MessageRegistration.g.cs" }, names);
    }

    /// <summary>
    /// Types, containing types and members named with C# keywords (<c>@event</c>): the generated declarations escape
    /// them as the user's do. They were written bare, and <c>partial class event</c> did not compile.
    /// </summary>
    [Fact]
    public void Types_and_members_named_with_keywords_generate_code_that_compiles()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using Travelers;
            namespace Game;
            public partial class @event
            {
                [NetMessage] public partial struct @class { public int @int; }
                public partial class @fixed : NetEntity { [Replicated] public partial int @in { get; set; } }
            }
            public partial class @in : NetEntity { [Replicated] public partial int Y { get; set; } [Rpc(RpcTarget.Server)] void @do(int @out) { } }
            public partial class @checked : NetService { [Rpc(RpcTarget.Server)] void @do() { } }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(8, result.GeneratedTrees.Length);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void A_compilation_without_messages_gets_no_files()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run("namespace Game; public class Plain { }");

        Assert.Empty(result.Sources());
    }

    [Fact]
    public void Private_nested_messages_get_a_serializer_but_are_not_registered()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using Travelers;
            namespace Game;
            public partial class Host { [NetMessage] private partial struct Secret { public int A; } }
            [NetMessage] public partial struct Open { public int A; }
            """);

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string registration = result.Sources().Single(s => s.HintName == "Travelers.MessageRegistration.g.cs").SourceText.ToString();
        Assert.Contains("Register<global::Game.Open>", registration);
        Assert.DoesNotContain("Secret", registration);
    }
}
