using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Travelers;
using Travelers.Messaging;
using Travelers.Replication;

namespace Travelers.Runtime.Tests.Replication;

/// <summary>
/// A client's world reading snapshot parts written by hand: hostile or stale records are dropped and counted,
/// never a crash, and the records around them still count; and the clocks interpolation reads.
/// </summary>
public sealed class SnapshotInputTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
    private readonly NetClient _client;
    private readonly ClientReplication _world;
    private readonly int _playerType;

    public SnapshotInputTests()
    {
        NetMessageRegistry.RegisterEntity<TestPlayer, TestPlayer.State>();
        _client = new NetClient(new NetClientOptions { TimeProvider = _time });
        _world = _client.World.Client!;
        MessageTable table = MessageTable.Current();
        _world.Start(table);
        _playerType = table.EntityTypes.IndexOf(table.EntityTypes.Single(t => t.Type == typeof(TestPlayer)));
        TypeBits = Quantization.BitsFor((uint)Math.Max(table.EntityTypes.Length - 1, 0));
    }

    private int TypeBits { get; }

    private static TestPlayer.State Player(float x, int score = 0, float health = 50, string name = "ann") =>
        new() { Position = new Vector3(x, 0, 0), Health = health, Name = name, Score = score };

    /// <summary>Writes a part: the header, then records written by <paramref name="records"/>, then the end marker.</summary>
    private static byte[] Part(uint tick, TimeSpan time, Action<PartWriter> records, bool complete = true)
    {
        var bytes = new byte[4096];
        var writer = new PartWriter(bytes.AsSpan(SnapshotFormat.HeaderBytes).ToArray());
        records(writer);
        byte[] body = writer.Finish();
        SnapshotFormat.WriteHeader(bytes, tick, (long)time.TotalMicroseconds, 0, (byte)(SnapshotFormat.LastFlag | (complete ? SnapshotFormat.CompleteFlag : 0)));
        body.CopyTo(bytes, SnapshotFormat.HeaderBytes);
        return bytes[..(SnapshotFormat.HeaderBytes + body.Length)];
    }

    /// <summary>Records as the server writes them; the bits are kept in a list of operations replayed into a BitWriter.</summary>
    private sealed class PartWriter(byte[] buffer)
    {
        private readonly List<WriteOp> _ops = new();
        private uint _previousSlot;

        private delegate void WriteOp(ref BitWriter writer);

        public void Bits(uint value, int bits) => _ops.Add((ref BitWriter w) => w.WriteBits(value, bits));

        public void Slot(uint slot)
        {
            uint previous = _previousSlot;
            _previousSlot = slot;
            _ops.Add((ref BitWriter w) => w.WriteRelative(slot, previous, NetId.SlotBits));
        }

        public void Relative(uint value, uint baseline, int bits) => _ops.Add((ref BitWriter w) => w.WriteRelative(value, baseline, bits));

        public void State(TestPlayer.State state, TestPlayer.State baseline) =>
            _ops.Add((ref BitWriter w) => WriteDelta<TestPlayer, TestPlayer.State>(ref w, state, baseline));

        public byte[] Finish()
        {
            var writer = new BitWriter(buffer);
            foreach (WriteOp op in _ops)
            {
                op(ref writer);
            }

            writer.WriteBits(SnapshotFormat.End, SnapshotFormat.KindBits);
            int length = writer.Flush();
            return buffer[..length];
        }
    }

    private static void WriteDelta<TSelf, TState>(ref BitWriter writer, TState state, TState baseline)
        where TSelf : NetEntity, INetEntity<TSelf, TState>
        where TState : struct => TSelf.WriteDelta(ref writer, in state, in baseline);

    private void Spawn(PartWriter p, uint slot, TestPlayer.State state, int generation = 1, bool owner = false, int? type = null)
    {
        p.Bits(SnapshotFormat.State, SnapshotFormat.KindBits);
        p.Slot(slot);
        p.Bits(1, 1); // spawn
        p.Bits((uint)generation, SnapshotFormat.GenerationBits);
        p.Bits((uint)(type ?? _playerType), TypeBits);
        p.Bits(owner ? 1u : 0u, 1);
        p.State(state, default);
    }

    private static void Update(PartWriter p, uint slot, uint tick, uint baseline, TestPlayer.State state, TestPlayer.State from)
    {
        p.Bits(SnapshotFormat.State, SnapshotFormat.KindBits);
        p.Slot(slot);
        p.Bits(0, 1); // not a spawn
        p.Bits(0, 1); // not the previous record's baseline
        p.Bits(baseline == 0 ? 0u : 1u, 1);
        if (baseline != 0)
        {
            p.Bits(tick - baseline, SnapshotFormat.BaselineAgeBits);
        }

        p.State(state, from);
    }

    private TestPlayer? Held(uint slot) => _world.Entities.OfType<TestPlayer>().SingleOrDefault(e => e.Id.Slot == slot);

    [Fact]
    public void A_spawn_then_deltas_against_acknowledged_baselines_apply_in_order()
    {
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 3, Player(1), owner: true)));
        TestPlayer player = Held(3)!;
        Assert.Equal((1f, true, 1), (player.Position.X, player.IsOwner, player.Id.Generation));

        _world.Receive(Part(3, TimeSpan.FromSeconds(1.2), p => Update(p, 3, 3, 1, Player(3, score: 5), Player(1))));
        Assert.Equal((3f, 5), (player.Position.X, player.Score));

        // Tick 2 arrives late: kept as a baseline, not shown (tick 3 is newer).
        _world.Receive(Part(2, TimeSpan.FromSeconds(1.1), p => Update(p, 3, 2, 1, Player(2), Player(1))));
        Assert.Equal(3f, player.Position.X);
        _world.Receive(Part(4, TimeSpan.FromSeconds(1.3), p => Update(p, 3, 4, 2, Player(4, score: 1), Player(2))));
        Assert.Equal((4f, 1), (player.Position.X, player.Score));
        Assert.Equal(0, _client.World.Statistics.Dropped);
    }

    [Fact]
    public void A_delta_against_a_baseline_the_client_does_not_have_is_dropped_and_the_next_record_still_counts()
    {
        _world.Receive(Part(5, TimeSpan.FromSeconds(1), p => Spawn(p, 1, Player(1))));
        _world.Receive(Part(7, TimeSpan.FromSeconds(1.1), p =>
        {
            Update(p, 1, 7, 6, Player(9), Player(6)); // baseline 6 never arrived
            Spawn(p, 2, Player(20));
        }));

        Assert.Equal(1f, Held(1)!.Position.X);
        Assert.Equal(20f, Held(2)!.Position.X);
        Assert.Equal(1, _client.World.Statistics.Dropped);
    }

    [Fact]
    public void A_quantized_delta_against_a_baseline_the_client_does_not_have_is_dropped_and_the_next_record_still_counts()
    {
        // Health 100 (its last step, 200) down half a point is a step of -1: read against the default state instead of
        // the missing baseline, it lands on step 255, past the range. Its bits are all there all the same.
        _world.Receive(Part(5, TimeSpan.FromSeconds(1), p => Spawn(p, 1, Player(1, health: 100))));
        _world.Receive(Part(7, TimeSpan.FromSeconds(1.1), p =>
        {
            Update(p, 1, 7, 6, Player(1, health: 99.5f), Player(1, health: 100)); // baseline 6 never arrived
            Spawn(p, 2, Player(20));
        }));

        Assert.Equal(100f, Held(1)!.Health);
        Assert.Equal(20f, Held(2)?.Position.X);
        Assert.Equal(1, _client.World.Statistics.Dropped);
    }

    [Fact]
    public void A_delta_equal_to_its_baseline_undoes_a_newer_change_and_the_next_record_still_counts()
    {
        // The server's baseline is the newest state the client acknowledged: a value changed (tick 4) and changed back
        // (tick 5) before tick 4 was acknowledged comes as no change against tick 3, an empty mask.
        _world.Receive(Part(3, TimeSpan.FromSeconds(1), p => Spawn(p, 1, Player(1))));
        _world.Receive(Part(4, TimeSpan.FromSeconds(1.05), p => Update(p, 1, 4, 3, Player(5), Player(1))));
        Assert.Equal(5f, Held(1)!.Position.X);

        _world.Receive(Part(5, TimeSpan.FromSeconds(1.1), p =>
        {
            Update(p, 1, 5, 3, Player(1), Player(1));
            Spawn(p, 2, Player(20));
        }));

        Assert.Equal(1f, Held(1)!.Position.X);
        Assert.Equal(20f, Held(2)!.Position.X);
        Assert.Equal(0, _client.World.Statistics.Dropped);
    }

    [Fact]
    public void Unknown_entity_types_unknown_entities_values_out_of_range_and_stray_bits_are_dropped_and_counted()
    {
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 1, Player(1), type: (1 << TypeBits) - 1 + (TypeBits == 0 ? 1 : 0))));
        _world.Receive(Part(2, TimeSpan.FromSeconds(1), p => Update(p, 40, 2, 0, Player(1), default)));
        _world.Receive(Part(3, TimeSpan.FromSeconds(1), p => Spawn(p, 1, Player(1))));
        long before = _client.World.Statistics.Dropped;

        // Health quantized to 255 steps of its 200: written by hand after a mask naming only Health (member 1).
        _world.Receive(Part(5, TimeSpan.FromSeconds(1), p =>
        {
            p.Bits(SnapshotFormat.State, SnapshotFormat.KindBits);
            p.Slot(1);
            p.Bits(0, 1);
            p.Bits(0, 1);
            p.Bits(0, 1); // no baseline: against the default state
            p.Bits(0b0010, 4); // mask: Health
            p.Relative(255, 0, 8); // a valid encoding of 255, against the default's 0
        }));

        // Bits after the end marker.
        byte[] trailing = Part(6, TimeSpan.FromSeconds(1), p => { });
        trailing[^1] |= 0x80;
        _world.Receive(trailing);

        _world.Receive(new byte[5]); // shorter than a header
        Assert.Equal(1f, Held(1)!.Position.X);
        Assert.Equal(50f, Held(1)!.Health);
        Assert.True(_client.World.Statistics.Dropped >= before + 3, $"dropped {_client.World.Statistics.Dropped}");
        Assert.True(before >= 2, $"unknown type and unknown entity: {before}");
    }

    [Fact]
    public void Random_bytes_never_crash_the_reader()
    {
        var random = new Random(3);
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 1, Player(1))));
        for (int i = 0; i < 20_000; i++)
        {
            byte[] part = new byte[random.Next(0, 200)];
            random.NextBytes(part);
            if (part.Length >= 4 && random.Next(2) == 0)
            {
                part[0] = 1; // a plausible tick, so the records are read
                part[1] = part[2] = part[3] = 0;
            }

            _world.Receive(part);
        }

        Assert.True(_client.World.Statistics.Dropped > 10_000);
    }

    [Fact]
    public void A_despawn_ends_the_entity_and_a_late_copy_of_its_spawn_does_not_bring_it_back()
    {
        var despawned = new List<NetEntity>();
        _client.World.Despawned += despawned.Add;
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(1))));
        TestPlayer player = Held(2)!;
        _world.Receive(Part(3, TimeSpan.FromSeconds(1), p =>
        {
            p.Bits(SnapshotFormat.Despawn, SnapshotFormat.KindBits);
            p.Slot(2);
            p.Bits(1, SnapshotFormat.GenerationBits);
        }));
        Assert.Equal([player], despawned);
        Assert.Null(Held(2));

        _world.Receive(Part(2, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(7))));
        Assert.Null(Held(2));

        // The same entity back in view later is spawned again.
        _world.Receive(Part(9, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(9))));
        Assert.Equal(9f, Held(2)!.Position.X);
        Assert.NotSame(player, Held(2));
    }

    [Fact]
    public void A_despawn_that_overtakes_its_spawn_keeps_the_spawn_from_bringing_the_entity()
    {
        _world.Receive(Part(4, TimeSpan.FromSeconds(1), p =>
        {
            p.Bits(SnapshotFormat.Despawn, SnapshotFormat.KindBits);
            p.Slot(5);
            p.Bits(1, SnapshotFormat.GenerationBits);
        }));
        _world.Receive(Part(3, TimeSpan.FromSeconds(1), p => Spawn(p, 5, Player(1))));
        Assert.Null(Held(5));

        _world.Receive(Part(6, TimeSpan.FromSeconds(1), p => Spawn(p, 5, Player(6))));
        Assert.Equal(6f, Held(5)!.Position.X);
    }

    private static void Despawn(PartWriter p, uint slot, int generation)
    {
        p.Bits(SnapshotFormat.Despawn, SnapshotFormat.KindBits);
        p.Slot(slot);
        p.Bits((uint)generation, SnapshotFormat.GenerationBits);
    }

    [Fact]
    public void A_late_despawn_of_the_slots_previous_entity_does_not_let_a_stale_spawn_bring_back_the_next_one()
    {
        // Generation 1 lives in slot 2 and is despawned; the slot goes to generation 2, whose spawn is sent twice
        // (ticks 7 and 8: the first reported lost) and which leaves at tick 9. A copy of generation 1's despawn sent
        // at tick 6 and the spawn of tick 8 both arrive late, in that order: the spawn is older than the despawn of
        // tick 9 and must not bring generation 2 back, where the server believes it let go of it for good.
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(1))));
        _world.Receive(Part(5, TimeSpan.FromSeconds(1), p => Despawn(p, 2, 1)));
        _world.Receive(Part(7, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(7), generation: 2)));
        Assert.Equal(2, Held(2)!.Id.Generation);
        _world.Receive(Part(9, TimeSpan.FromSeconds(1), p => Despawn(p, 2, 2)));
        Assert.Null(Held(2));

        _world.Receive(Part(6, TimeSpan.FromSeconds(1), p => Despawn(p, 2, 1)));
        _world.Receive(Part(8, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(8), generation: 2)));
        Assert.Null(Held(2));

        // Nor does a copy of generation 1's spawn, older still.
        _world.Receive(Part(3, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(3))));
        Assert.Null(Held(2));
        Assert.Empty(_world.Entities);

        // Generation 2 back in view after its despawn is spawned again.
        _world.Receive(Part(10, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(10), generation: 2)));
        Assert.Equal(10f, Held(2)!.Position.X);
    }

    [Fact]
    public void A_late_update_of_the_slots_previous_entity_is_dropped_not_stored_as_the_next_ones_state()
    {
        // Update records carry no generation. Generation 1 of slot 2 leaves at tick 5 and generation 2 arrives at
        // tick 70; an update of generation 1 sent at tick 6 arrives after that. It is no state of generation 2 (whose
        // type could differ too, and with it the record's layout): were it kept, it would take the place of tick 70's
        // state in the ring of baselines (6 and 70 share a place), and the server's next delta against tick 70 would
        // be lost.
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(1))));
        _world.Receive(Part(5, TimeSpan.FromSeconds(1), p => Despawn(p, 2, 1)));
        _world.Receive(Part(70, TimeSpan.FromSeconds(2), p => Spawn(p, 2, Player(70), generation: 2)));
        Assert.Equal(2, Held(2)!.Id.Generation);
        Assert.Equal(6 % SnapshotFormat.ClientHistory, 70 % SnapshotFormat.ClientHistory);
        long before = _client.World.Statistics.Dropped;

        _world.Receive(Part(6, TimeSpan.FromSeconds(1), p => Update(p, 2, 6, 0, Player(6), default)));
        Assert.Equal(before + 1, _client.World.Statistics.Dropped);
        Assert.Equal(70f, Held(2)!.Position.X);

        _world.Receive(Part(71, TimeSpan.FromSeconds(2), p => Update(p, 2, 71, 70, Player(71), Player(70))));
        Assert.Equal(71f, Held(2)!.Position.X);
        Assert.Equal(before + 1, _client.World.Statistics.Dropped);
    }

    [Fact]
    public void A_late_update_of_the_slots_previous_entity_that_cuts_its_part_short_asks_for_a_reset()
    {
        // The transport acknowledged the late part when it arrived: the server counts the spawn after the stale update
        // delivered and never sends it again. Only a reset gets it to the client.
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 2, Player(1))));
        _world.Receive(Part(5, TimeSpan.FromSeconds(1), p => Despawn(p, 2, 1)));
        _world.Receive(Part(70, TimeSpan.FromSeconds(2), p => Spawn(p, 2, Player(70), generation: 2)));
        Assert.False(_world.ResetWanted);

        _world.Receive(Part(6, TimeSpan.FromSeconds(1), p =>
        {
            Update(p, 2, 6, 0, Player(6), default);
            Spawn(p, 3, Player(30));
        }));

        Assert.Null(Held(3)); // its length unknown, the stale record ends the part's reading
        Assert.True(_world.ResetWanted);
    }

    [Fact]
    public void An_ownership_record_cut_short_before_its_owner_bit_is_dropped_not_applied_as_not_owned()
    {
        var changes = new List<NetEntity>();
        _client.World.OwnershipChanged += changes.Add;
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 100, Player(1), owner: true)));
        TestPlayer player = Held(100)!;
        Assert.True(player.IsOwner);

        // An ownership record of slot 0 (not held: 20 bits), then one of slot 100 (2 + 14 + 12 bits to its generation):
        // its owner bit is the first past 6 bytes, where the part is cut.
        static void Records(PartWriter p)
        {
            p.Bits(SnapshotFormat.Owner, SnapshotFormat.KindBits);
            p.Slot(0);
            p.Bits(1, SnapshotFormat.GenerationBits);
            p.Bits(0, 1);
            p.Bits(SnapshotFormat.Owner, SnapshotFormat.KindBits);
            p.Slot(100);
            p.Bits(1, SnapshotFormat.GenerationBits);
            p.Bits(1, 1); // still the owner
        }

        byte[] whole = Part(2, TimeSpan.FromSeconds(1), Records);
        Assert.True(whole.Length > SnapshotFormat.HeaderBytes + 6);
        _world.Receive(whole[..(SnapshotFormat.HeaderBytes + 6)]);
        Assert.Equal(1, _client.World.Statistics.Dropped);
        Assert.True(player.IsOwner, "a record cut short was applied: its missing owner bit read as 0");
        Assert.Empty(changes);

        // The whole part of the same tick still counts.
        _world.Receive(whole);
        Assert.True(player.IsOwner);
    }

    [Fact]
    public void An_entity_in_the_last_slot_costs_the_client_memory_for_its_own_slots_not_for_every_slot_below()
    {
        // A slot is the server's word: a spawn and a despawn in the last of the 2^20 slots once made the client's table
        // 2^20 entries long (25 MB) for two records of a few bytes.
        const uint last = (1u << NetId.SlotBits) - 1;
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Update(p, 300, 1, 0, Player(1), default))); // a slot of no page yet
        Assert.Equal(1, _client.World.Statistics.Dropped);
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, 1, Player(1))));
        long before = GC.GetAllocatedBytesForCurrentThread();
        _world.Receive(Part(2, TimeSpan.FromSeconds(1), p =>
        {
            Spawn(p, last, Player(2));
            p.Bits(SnapshotFormat.Despawn, SnapshotFormat.KindBits);
            p.Slot(last - 1);
            p.Bits(1, SnapshotFormat.GenerationBits);
        }));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 256 * 1024, $"{allocated} bytes allocated");
        TestPlayer player = Held(last)!;
        Assert.Equal(2f, player.Position.X);
        Assert.Same(player, _world.Find(player.Id));
        Assert.Equal(1f, Held(1)!.Position.X);

        // The despawn held for the slot below still keeps an older copy of its spawn out.
        _world.Receive(Part(1, TimeSpan.FromSeconds(1), p => Spawn(p, last - 1, Player(3))));
        Assert.Null(Held(last - 1));
        Assert.Equal(1, _client.World.Statistics.Dropped);

        _world.Clear();
        Assert.Empty(_world.Entities);
        Assert.Null(_world.Find(player.Id));
    }

    [Fact]
    public void Interpolated_follows_render_time_between_snapshots_and_extrapolates_for_a_bounded_time()
    {
        TimeSpan start = TimeSpan.FromSeconds(10);
        _world.SetServerClock(start);
        for (uint tick = 1; tick <= 30; tick++)
        {
            uint t = tick;
            _world.Receive(Part(t, start + TimeSpan.FromMilliseconds(50 * t), p =>
            {
                if (t == 1)
                {
                    Spawn(p, 1, Player(t));
                }
                else
                {
                    Update(p, 1, t, t - 1, Player(t), Player(t - 1));
                }
            }, complete: false));
            _time.Advance(TimeSpan.FromMilliseconds(50));
            _world.UpdateClock();
        }

        TestPlayer player = Held(1)!;
        TimeSpan render = _client.World.RenderTime;
        Assert.True(render < _client.World.ServerTime, "render time is behind server time");
        float expected = (float)((render - start).TotalMilliseconds / 50);
        Assert.Equal(expected, player.Interpolated.Position.X, 0.01f);
        Assert.Equal(30f, player.Position.X); // the members hold the newest state

        // Nothing more arrives: past the newest state the entity goes on for at most 250 ms, then holds.
        TimeSpan previous = render;
        for (int i = 0; i < 40; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            _world.UpdateClock();
            Assert.True(_client.World.RenderTime >= previous);
            previous = _client.World.RenderTime;
        }

        Assert.Equal(30f + (250f / 50f), player.Interpolated.Position.X, 0.01f);
    }

    [Fact]
    public void An_entity_the_server_confirms_unchanged_holds_its_state_instead_of_extrapolating()
    {
        TimeSpan start = TimeSpan.FromSeconds(10);
        _world.SetServerClock(start);
        _world.Receive(Part(1, start, p => Spawn(p, 1, Player(0))));
        _world.Receive(Part(2, start + TimeSpan.FromMilliseconds(50), p => Update(p, 1, 2, 1, Player(5), Player(0))));
        for (uint tick = 3; tick <= 40; tick++)
        {
            _world.Receive(Part(tick, start + TimeSpan.FromMilliseconds(50 * (tick - 1)), p => { }));
            _time.Advance(TimeSpan.FromMilliseconds(50));
            _world.UpdateClock();
        }

        Assert.Equal(5f, Held(1)!.Interpolated.Position.X);
    }

    [Fact]
    public void Extrapolation_from_two_states_published_back_to_back_goes_no_faster_than_the_send_interval_allows()
    {
        // A fixed-step game catching up publishes two ticks in one frame: their server times are microseconds apart.
        // Extrapolating their change over that span drew an entity that moved one unit about 4,800 units away.
        TimeSpan start = TimeSpan.FromSeconds(10);
        _world.SetServerClock(start);
        _world.Receive(Part(1, start, p => Spawn(p, 1, Player(0)), complete: false));
        _world.Receive(Part(2, start + TimeSpan.FromMicroseconds(50), p => Update(p, 1, 2, 1, Player(1), Player(0)), complete: false));
        TestPlayer player = Held(1)!;
        Assert.Equal(1f, player.Position.X);

        float worst = 0;
        for (int i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            _world.UpdateClock();
            worst = Math.Max(worst, Math.Abs(player.Interpolated.Position.X));
        }

        // One unit a send interval as measured (about 30 ms here: two samples), for at most 250 ms: under a dozen.
        float most = 1f + ((float)ClientReplication.MaxExtrapolation.Ticks / _world.IntervalTicks);
        Assert.InRange(most, 8f, 12f);
        Assert.InRange(worst, 1f, most + 0.01f);
    }
}
