using System.Numerics;

namespace Travelers.Runtime.Tests;

/// <summary>
/// Two versions of one version-tolerant message compiled side by side. They share an id, so they are
/// private to this class: the module initializer registers neither (one process holds one version).
/// </summary>
public sealed partial class VersionToleranceTests
{
    private sealed partial class V1
    {
        [NetMessage(Id = 500, VersionTolerant = true)]
        public partial class Profile
        {
            public string? Name { get; set; }

            public int Level { get; set; }
        }

        [NetMessage(Id = 501)]
        public partial class Roster
        {
            public List<Profile?>? Profiles { get; set; }

            public Profile? Captain { get; set; }

            public int Trailer { get; set; }
        }
    }

    private sealed partial class V2
    {
        [NetMessage(Id = 500, VersionTolerant = true)]
        public partial class Profile
        {
            public string? Name { get; set; }

            public int Level { get; set; }

            public List<string>? Titles { get; set; }

            public Vector3 Home { get; set; }

            public Dictionary<string, int>? Stats { get; set; }
        }

        [NetMessage(Id = 501)]
        public partial class Roster
        {
            public List<Profile?>? Profiles { get; set; }

            public Profile? Captain { get; set; }

            public int Trailer { get; set; }
        }
    }

    private static V2.Profile NewProfile(string name, int level) => new()
    {
        Name = name,
        Level = level,
        Titles = ["first", "😀"],
        Home = new Vector3(1, -0f, float.NaN),
        Stats = new Dictionary<string, int> { ["str"] = 18 },
    };

    private static ulong IdOf<T>()
        where T : INetMessage<T> => T.MessageId;

    [Fact]
    public void Both_versions_share_the_id_but_not_the_schema()
    {
        Assert.Equal(500UL, IdOf<V1.Profile>());
        Assert.Equal(IdOf<V1.Profile>(), IdOf<V2.Profile>());
        Assert.NotEqual(NetMessageType.Create<V1.Profile>().Schema, NetMessageType.Create<V2.Profile>().Schema);
        Assert.DoesNotContain(NetMessageRegistry.Types, t => t.Id == 500);
    }

    [Fact]
    public void A_tolerant_message_is_a_member_count_a_byte_length_and_the_body()
    {
        byte[] bytes = NetSerializer.Serialize(new V1.Profile { Name = "ann", Level = 7 });

        Assert.Equal("02" + "08" + "04616E6E" + "07000000", Bytes.Hex(bytes));
    }

    [Fact]
    public void Newer_bytes_read_by_the_older_version_skip_the_unknown_trailing_members()
    {
        byte[] bytes = NetSerializer.Serialize(NewProfile("ann", 7));

        V1.Profile old = NetSerializer.Deserialize<V1.Profile>(bytes);

        Assert.Equal("ann", old.Name);
        Assert.Equal(7, old.Level);
    }

    [Fact]
    public void Older_bytes_read_by_the_newer_version_leave_the_missing_members_at_their_defaults()
    {
        byte[] bytes = NetSerializer.Serialize(new V1.Profile { Name = "bob", Level = -1 });

        V2.Profile newer = NetSerializer.Deserialize<V2.Profile>(bytes);

        Assert.Equal("bob", newer.Name);
        Assert.Equal(-1, newer.Level);
        Assert.Null(newer.Titles);
        Assert.Equal(Vector3.Zero, newer.Home);
        Assert.Null(newer.Stats);
    }

    [Fact]
    public void Each_version_round_trips_itself()
    {
        V2.Profile profile = NewProfile("cy", int.MinValue);
        Deep.Equal(profile, Bytes.RoundTrip(profile));
        var old = new V1.Profile { Name = null, Level = int.MaxValue };
        Deep.Equal(old, Bytes.RoundTrip(old));
    }

    [Fact]
    public void Skipping_newer_members_inside_a_list_keeps_the_stream_aligned_for_what_follows()
    {
        var roster = new V2.Roster
        {
            Profiles = [NewProfile("a", 1), null, NewProfile("b", 2), new V2.Profile { Name = "c", Level = 3 }],
            Captain = NewProfile("cap", 99),
            Trailer = 0x5EED,
        };
        byte[] bytes = NetSerializer.Serialize(roster);

        V1.Roster old = NetSerializer.Deserialize<V1.Roster>(bytes);

        Assert.Equal(["a", null, "b", "c"], old.Profiles!.Select(p => p?.Name));
        Assert.Equal([1, 0, 2, 3], old.Profiles!.Select(p => p?.Level ?? 0));
        Assert.Equal("cap", old.Captain!.Name);
        Assert.Equal(99, old.Captain.Level);
        Assert.Equal(0x5EED, old.Trailer);
    }

    [Fact]
    public void Older_messages_inside_a_list_read_by_the_newer_version_stay_aligned_too()
    {
        var roster = new V1.Roster
        {
            Profiles = [new V1.Profile { Name = "a", Level = 1 }, new V1.Profile { Name = "b", Level = 2 }],
            Captain = null,
            Trailer = -7,
        };

        V2.Roster newer = NetSerializer.Deserialize<V2.Roster>(NetSerializer.Serialize(roster));

        Assert.Equal(["a", "b"], newer.Profiles!.Select(p => p!.Name));
        Assert.All(newer.Profiles!, p => Assert.Null(p!.Titles));
        Assert.Null(newer.Captain);
        Assert.Equal(-7, newer.Trailer);
    }

    [Fact]
    public void A_section_whose_length_runs_past_the_input_is_refused()
    {
        byte[] bytes = NetSerializer.Serialize(new V1.Profile { Name = "ann", Level = 7 });
        bytes[1] = 0x7F; // claims 127 body bytes

        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<V1.Profile>(bytes));

        Assert.Equal(typeof(V1.Profile).FullName!.Replace('+', '.'), error.MessageType);
        Assert.False(NetSerializer.TryDeserialize<V1.Profile>(bytes, out _));
    }

    [Fact]
    public void A_section_that_claims_members_its_body_does_not_hold_is_refused()
    {
        // Member count 3 with a body that holds only the two members of V1: V2 reads the third from
        // an empty body and must fail cleanly.
        byte[] v1 = NetSerializer.Serialize(new V1.Profile { Name = "ann", Level = 7 });
        v1[0] = 3;

        Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<V2.Profile>(v1));
        Assert.Equal("ann", NetSerializer.Deserialize<V1.Profile>(v1).Name);
    }
}
