using System.Text;

namespace Travelers.Runtime.Tests;

/// <summary>Stable ids, explicit ids, registration by the module initializer, fingerprints and id clashes.</summary>
public sealed partial class RegistryTests
{
    /// <summary>Deliberately reuses <see cref="ExplicitId"/>'s id; private, so the module initializer leaves it out.</summary>
    [NetMessage(Id = 0x7E57_0001UL)]
    private partial struct Impostor
    {
        public long Value;
    }

    /// <summary>Two schemas under one explicit id, to compare fingerprints; private, so never registered.</summary>
    [NetMessage(Id = 0x1234)]
    private partial class SchemaA
    {
        public int Value;
    }

    [NetMessage(Id = 0x1234)]
    private partial class SchemaB
    {
        public long Value;
    }

    private static ulong IdOf<T>()
        where T : INetMessage<T> => T.MessageId;

    [Fact]
    public void Our_own_fnv1a_matches_the_published_test_vectors()
    {
        Assert.Equal(0xCBF29CE484222325UL, Fnv1a64.Hash(""u8));
        Assert.Equal(0xAF63DC4C8601EC8CUL, Fnv1a64.Hash("a"u8));
    }

    [Fact]
    public void ComputeStableId_is_fnv1a_64_of_the_utf8_full_name()
    {
        const ulong PlayerInputId = 0xF35E57ED90D5DC71; // FNV-1a 64 of "Quickstart.PlayerInput", computed outside .NET

        Assert.Equal(PlayerInputId, NetMessageRegistry.ComputeStableId("Quickstart.PlayerInput"));
        Assert.Equal(PlayerInputId, Fnv1a64.Hash(Encoding.UTF8.GetBytes("Quickstart.PlayerInput")));
        foreach (string name in new[] { "Game.Messages.ChatLine", "Ünïcödé.Typé", "A.B.C.D" })
        {
            Assert.Equal(Fnv1a64.Hash(Encoding.UTF8.GetBytes(name)), NetMessageRegistry.ComputeStableId(name));
        }
    }

    [Fact]
    public void Generated_ids_are_the_stable_hash_of_the_full_name_and_containing_types_are_joined_with_dots()
    {
        Assert.Equal(0x24A47024EA6B50C2UL, IdOf<Child>());
        Assert.Equal(NetMessageRegistry.ComputeStableId("Travelers.Runtime.Tests.Child"), IdOf<Child>());
        Assert.Equal(NetMessageRegistry.ComputeStableId("Travelers.Runtime.Tests.Outer.Inner"), IdOf<Outer.Inner>());
    }

    [Fact]
    public void An_explicit_id_is_honoured()
    {
        Assert.Equal(0x7E570001UL, IdOf<ExplicitId>());
        Assert.True(NetMessageRegistry.TryGet(0x7E570001UL, out NetMessageType? entry));
        Assert.Equal(typeof(ExplicitId), entry.Type);
        Assert.Equal(0x1234UL, IdOf<SchemaA>());
    }

    [Fact]
    public void The_module_initializer_registered_this_assemblys_accessible_messages_and_none_of_its_private_ones()
    {
        Type[] expected =
        [
            typeof(AllPrimitives), typeof(PrimitiveStruct), typeof(EnumMessage), typeof(VarInts), typeof(Spatial), typeof(Packed),
            typeof(Padded), typeof(Child), typeof(Collections), typeof(Strings), typeof(ChatLine), typeof(GridPoint), typeof(Money),
            typeof(Settings), typeof(WithIgnored), typeof(Outer.Inner), typeof(Painted), typeof(Node), typeof(Snapshot), typeof(Bag),
            typeof(ErrorProbe), typeof(ExplicitId),
        ];
        var registered = NetMessageRegistry.Types.Select(t => t.Type).ToHashSet();

        Assert.All(expected, type => Assert.Contains(type, registered));
        Assert.DoesNotContain(typeof(Impostor), registered);
        Assert.DoesNotContain(typeof(SchemaA), registered);
        Assert.True(NetMessageRegistry.TryGet(IdOf<Bag>(), out NetMessageType? bag));
        Assert.Equal(typeof(Bag), bag.Type);
        Assert.Equal("Travelers.Runtime.Tests.Outer.Inner", NetMessageRegistry.Types.Single(t => t.Type == typeof(Outer.Inner)).Name);
    }

    [Fact]
    public void Registered_types_are_ordered_by_id_and_the_registry_fingerprint_covers_them_all()
    {
        ulong[] ids = NetMessageRegistry.Types.Select(t => t.Id).ToArray();
        Assert.Equal(ids.Order().ToArray(), ids);
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.Equal(NetMessageRegistry.ComputeFingerprint(NetMessageRegistry.Types, NetMessageRegistry.EntityTypes, NetMessageRegistry.Rpcs), NetMessageRegistry.Fingerprint);
        Assert.NotEmpty(NetMessageRegistry.EntityTypes); // this assembly's entities take part
        Assert.NotEmpty(NetMessageRegistry.Rpcs); // and its [Rpc] methods
        Assert.NotEqual(NetMessageRegistry.ComputeFingerprint(NetMessageRegistry.Types), NetMessageRegistry.Fingerprint);
        Assert.NotEqual(NetMessageRegistry.ComputeFingerprint(NetMessageRegistry.Types, NetMessageRegistry.EntityTypes), NetMessageRegistry.Fingerprint);
        ulong[] rpcIds = NetMessageRegistry.Rpcs.Select(r => r.Id).ToArray();
        Assert.Equal(rpcIds.Order().ToArray(), rpcIds);
    }

    [Fact]
    public void The_fingerprint_changes_when_one_schema_differs_and_not_with_order()
    {
        NetMessageType a = NetMessageType.Create<SchemaA>();
        NetMessageType b = NetMessageType.Create<SchemaB>();
        NetMessageType child = NetMessageType.Create<Child>();
        NetMessageType node = NetMessageType.Create<Node>();

        Assert.Equal(a.Id, b.Id);
        Assert.NotEqual(a.Schema, b.Schema);
        Assert.NotEqual(NetMessageRegistry.ComputeFingerprint([a]), NetMessageRegistry.ComputeFingerprint([b]));
        Assert.NotEqual(NetMessageRegistry.ComputeFingerprint([child, a]), NetMessageRegistry.ComputeFingerprint([child, b]));
        Assert.NotEqual(NetMessageRegistry.ComputeFingerprint([child]), NetMessageRegistry.ComputeFingerprint([child, node]));
        Assert.Equal(NetMessageRegistry.ComputeFingerprint([child, node, a]), NetMessageRegistry.ComputeFingerprint([a, node, child]));
        Assert.Equal(NetMessageRegistry.ComputeFingerprint([child, a]), NetMessageRegistry.ComputeFingerprint([NetMessageType.Create<Child>(), NetMessageType.Create<SchemaA>()]));
    }

    [Fact]
    public void The_fingerprint_is_fnv1a_over_the_schemas_in_id_order_each_followed_by_a_line_feed()
    {
        NetMessageType child = NetMessageType.Create<Child>();
        NetMessageType node = NetMessageType.Create<Node>();
        string text = string.Concat(new[] { child, node }.OrderBy(t => t.Id).Select(t => t.Schema + "\n"));

        Assert.Equal(Fnv1a64.Hash(Encoding.UTF8.GetBytes(text)), NetMessageRegistry.ComputeFingerprint([node, child]));
    }

    [Fact]
    public void Registering_a_second_type_under_a_used_id_throws_naming_both_types_and_changes_nothing()
    {
        ulong before = NetMessageRegistry.Fingerprint;

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(NetMessageRegistry.Register<Impostor>);

        Assert.Contains(typeof(Impostor).ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(ExplicitId).ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("7E570001", error.Message, StringComparison.Ordinal);
        Assert.True(NetMessageRegistry.TryGet(0x7E570001UL, out NetMessageType? entry));
        Assert.Equal(typeof(ExplicitId), entry.Type);
        Assert.Equal(before, NetMessageRegistry.Fingerprint);
    }

    [Fact]
    public void Registering_the_same_type_again_does_nothing()
    {
        int count = NetMessageRegistry.Types.Length;
        NetMessageRegistry.Register<ExplicitId>();
        Assert.Equal(count, NetMessageRegistry.Types.Length);
    }
}
