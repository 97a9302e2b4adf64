namespace Travelers.Generators.Tests;

/// <summary>
/// An entity's <c>NetId</c> goes in messages and RPC arguments as it does in replicated state: "this target", "that
/// door" are what games send most. Four bytes, the id's value; the receiver looks it up with <c>World.Find</c>.
/// </summary>
public sealed class NetIdMemberTests
{
    [Fact]
    public void NetIds_travel_in_messages_collections_nullables_and_rpc_arguments()
    {
        (_, object? returned) = GeneratorHarness.RunProbe("""
            using System.Collections.Generic;
            using Travelers;
            namespace TargetGame;
            [NetMessage] public partial struct Attack { public NetId Target; public int Damage; }
            [NetMessage] public partial class Volley { [MaxLength(8)] public List<NetId> Targets { get; set; } = new(); public NetId? Leader { get; set; } }
            public partial class Turret : NetEntity
            {
                [Replicated] public int Heat;
                [Rpc(RpcTarget.Server)] private void Aim(NetId at, [MaxLength(4)] NetId[] also) { }
            }
            public static class Probe
            {
                public static string Run()
                {
                    var attack = new Attack { Target = new NetId(0x00300005), Damage = 7 };
                    byte[] bytes = NetSerializer.Serialize(in attack);
                    Attack back = NetSerializer.Deserialize<Attack>(bytes);
                    var volley = new Volley { Targets = { new NetId(1), NetId.None, new NetId(uint.MaxValue) }, Leader = new NetId(9) };
                    Volley again = NetSerializer.Deserialize<Volley>(NetSerializer.Serialize(in volley));
                    var aim = new Turret.__Rpc_Aim { at = new NetId(42), also = new[] { new NetId(3) } };
                    Turret.__Rpc_Aim aimed = NetSerializer.Deserialize<Turret.__Rpc_Aim>(NetSerializer.Serialize(in aim));
                    return bytes.Length + " " + back.Target + " " + back.Damage + " "
                        + string.Join(",", again.Targets) + " " + again.Leader + " " + aimed.at + " " + aimed.also[0];
                }
            }
            """);

        Assert.Equal("8 #5.3 7 #1.0,#none,#1048575.4095 #9.0 #42.0 #3.0", returned);
    }
}
