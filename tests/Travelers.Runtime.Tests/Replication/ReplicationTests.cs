using System.Numerics;
using Travelers;

namespace Travelers.Runtime.Tests.Replication;

/// <summary>The world's promises over real sockets, on both transports: spawn, change, despawn, ownership, interest, late joiners.</summary>
public sealed class ReplicationTests
{
    public static TheoryData<NetTransport> Transports => new(NetTransport.Tcp, NetTransport.Udp);

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Spawned_changed_and_despawned_entities_reach_the_client_in_order(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        var events = new List<string>();
        client.World.Spawned += e => events.Add($"spawn {e.Id} {((TestPlayer)e).Name}");
        client.World.Despawned += e => events.Add($"despawn {e.Id}");

        TestPlayer player = rig.World.Spawn(new TestPlayer { Name = "ann", Health = 50, Position = new Vector3(1, 2, 3) });
        player.Score = 7;
        await rig.Until(() => rig.Find<TestPlayer>(client, player.Id) is { Score: 7 });
        TestPlayer copy = rig.Find<TestPlayer>(client, player.Id);
        Assert.Equal(("ann", 50f, new Vector3(1, 2, 3)), (copy.Name, copy.Health, copy.Position));
        Assert.False(copy.IsOwner);
        Assert.Same(client.World, copy.World);
        Assert.Same(player, rig.World.Find(player.Id));
        Assert.Same(copy, client.World.Find(player.Id));
        NetId otherGeneration = NetId.Of(player.Id.Slot, player.Id.Generation + 1);
        foreach (NetId wrong in new[] { otherGeneration, NetId.Of(player.Id.Slot + 1, player.Id.Generation), NetId.Of(1 << 19, 1), default })
        {
            Assert.Null(rig.World.Find(wrong));
            Assert.Null(client.World.Find(wrong));
        }

        player.Position = new Vector3(10, 20, 30);
        player.Health = 99.76f; // quantized to halves
        player.Name = "bob";
        await rig.Until(() => copy.Name == "bob" && copy.Position == new Vector3(10, 20, 30));
        Assert.Equal(100f, copy.Health); // 99.76 to the nearest half

        rig.World.Despawn(player);
        Assert.Null(rig.World.Find(player.Id)); // at once on the server; the client holds it until the next snapshot
        await rig.Until(() => !client.World.Entities.Contains(copy));
        Assert.Null(client.World.Find(player.Id));
        Assert.Null(copy.World);
        Assert.Equal([$"spawn {player.Id} ann", $"despawn {player.Id}"], events);
        Assert.Empty(client.World.Entities);
    }

    /// <summary>
    /// A client's Spawned handler that throws, in a snapshot part spawning two entities: the exception comes out of
    /// Poll(), as any handler's does, but it left the part there, so the records after the throwing handler's entity
    /// were never read. The server counts the part delivered and does not send it again: the other entity never
    /// reached the client, for as long as it did not change.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_Spawned_handler_that_throws_does_not_lose_the_rest_of_its_snapshot(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        var spawned = new List<string>();
        client.World.Spawned += e =>
        {
            spawned.Add(((TestPlayer)e).Name);
            if (spawned.Count == 1)
            {
                throw new InvalidOperationException("the game's bug");
            }
        };

        // Spawned in one tick: one part carries both.
        TestPlayer ann = rig.World.Spawn(new TestPlayer { Name = "ann" });
        TestPlayer bob = rig.World.Spawn(new TestPlayer { Name = "bob" });
        int thrown = 0;
        DateTime deadline = DateTime.UtcNow + Connections.Loopback.Bound;
        while ((client.World.Find(ann.Id) is null || client.World.Find(bob.Id) is null) && DateTime.UtcNow < deadline)
        {
            rig.World.Publish();
            rig.Server.Poll();
            try
            {
                client.Poll();
            }
            catch (InvalidOperationException e) when (e.Message == "the game's bug")
            {
                thrown++;
            }

            await Task.Delay(1, TestContext.Current.CancellationToken); // yields to the I/O threads; the loop waits on the condition
        }

        Assert.Equal(1, thrown);
        Assert.NotNull(client.World.Find(ann.Id));
        Assert.NotNull(client.World.Find(bob.Id));
        Assert.Equal(["ann", "bob"], spawned.Order());
    }

    [Fact]
    public async Task A_despawn_that_arrives_while_the_client_is_behind_on_Poll_still_reaches_it()
    {
        // The snapshot carrying the despawn is read with the messages that pass the client's bound on queued bytes. The
        // server counts it delivered (TCP took it), so a client that dropped it kept the entity for good.
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Tcp, o => o.MaxFrameBytes = 32 * 1024);
        NetClient client = await rig.ConnectAsync(o => o.MaxFrameBytes = o.MaxQueuedReceiveBytes = 32 * 1024);
        TestPlayer player = rig.World.Spawn(new TestPlayer { Name = "ann" });
        await rig.Until(() => client.World.Find(player.Id) is not null);

        // The client does not poll while the server sends two frames of 20 KB, more than its bound, and the despawn.
        NetConnection there = rig.ConnectionOf(client);
        there.Send(new Connections.Blob { Data = new byte[20_000] });
        there.Send(new Connections.Blob { Data = new byte[20_000] });
        rig.World.Despawn(player);
        rig.World.Publish();
        rig.Server.Poll();
        await Connections.Loopback.Until(() => client.Connection.Link.BytesReceived == there.Link.BytesSent, rig.Server.Poll);

        await rig.Until(() => client.World.Find(player.Id) is null);
        Assert.Empty(client.World.Entities);
    }

    /// <summary>
    /// A client's Despawned handler that throws while its connection's close empties the world: the exception comes
    /// out of Poll(), as any handler's does, but the client's ConnectionClosed used to be lost for good (the close was
    /// marked raised before the world was emptied, and the event came after it) and the entities after the throwing one
    /// stayed in the world of a closed connection.
    /// </summary>
    [Fact]
    public async Task A_despawned_handler_throwing_at_the_close_loses_neither_the_closed_event_nor_the_other_despawns()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Tcp);
        NetClient client = await rig.ConnectAsync();
        rig.World.Spawn(new Scoreboard());
        rig.World.Spawn(new Scoreboard());
        await rig.Until(() => client.World.Entities.Count == 2);

        var closed = new List<DisconnectReason>();
        client.ConnectionClosed += (_, info) => closed.Add(info.Reason);
        int despawns = 0;
        client.World.Despawned += _ =>
        {
            if (++despawns == 1)
            {
                throw new InvalidOperationException("the game's bug");
            }
        };
        rig.ConnectionOf(client).Disconnect("bye");

        int thrown = 0;
        await Connections.Loopback.Until(
            () => closed.Count == 1,
            rig.Server.Poll,
            () =>
            {
                try
                {
                    client.Poll();
                }
                catch (InvalidOperationException e) when (e.Message == "the game's bug")
                {
                    thrown++;
                }
            });

        Assert.Equal(1, thrown);
        Assert.Equal(DisconnectReason.Kicked, closed.Single());
        Assert.Empty(client.World.Entities);
        Assert.Equal(2, despawns);
    }

    [Fact]
    public async Task Spawning_past_MaxEntities_throws_and_leaves_the_world_as_it_was()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Tcp, o => o.World = new NetWorldOptions { MaxEntities = 2 });
        rig.World.Spawn(new Crate());
        rig.World.Spawn(new Crate());

        var extra = new Crate();
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => rig.World.Spawn(extra));
        Assert.Contains("MaxEntities (2)", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, rig.World.Entities.Count);
        Assert.Null(extra.World);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_id_slot_a_client_still_holds_is_not_reused_and_none_past_the_ids_bits_is_made(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        rig.World.Server!.SlotLimit = 2; // as if 2^20 were 2: past it an id would alias slot 0 of the next generation
        Crate first = rig.World.Spawn(new Crate());
        rig.World.Spawn(new Crate());
        await rig.Until(() => client.World.Entities.Count == 2);

        NetId old = first.Id;
        rig.World.Despawn(first); // its slot stays held until the client acknowledges the despawn
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => rig.World.Spawn(new Crate()));
        Assert.Contains("All 2 entity ids' slots are held", error.Message, StringComparison.Ordinal);

        // Once the client has it, the slot comes back under a new generation.
        Crate? again = null;
        await rig.Until(() =>
        {
            if (client.World.Entities.Count == 1)
            {
                try
                {
                    again = rig.World.Spawn(new Crate());
                }
                catch (InvalidOperationException)
                {
                    // not acknowledged yet
                }
            }

            return again is not null;
        });
        Assert.Equal(old.Slot, again!.Id.Slot);
        Assert.Equal(old.Generation + 1, again.Id.Generation);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_client_that_closed_its_connection_applies_no_snapshot_it_had_not_polled(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        var spawned = new List<NetId>();
        client.World.Spawned += e => spawned.Add(e.Id);
        rig.World.Spawn(new Crate());
        rig.World.Publish();
        await Connections.Loopback.Until(() => client.Connection.QueuedBytes > 0, rig.Server.Poll); // arrived, not polled

        client.Connection.Disconnect("leaving"); // this side ends it: nothing more from the server counts
        client.Poll();

        Assert.Empty(spawned); // (the world empties on the close either way: the spawn must not have been seen)
        Assert.False(client.Connection.IsConnected);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task What_a_client_writes_into_its_copy_never_reaches_the_server(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        TestPlayer player = rig.World.Spawn(new TestPlayer { Name = "ann", Health = 10 });
        await rig.Until(() => rig.Find<TestPlayer>(client, player.Id) is not null);
        TestPlayer copy = rig.Find<TestPlayer>(client, player.Id);

        copy.Health = 90;
        copy.Name = "mallory";
        copy.Score = 1000;
        await rig.Ticks(10);
        Assert.Equal((10f, "ann", 0), (player.Health, player.Name, player.Score));

        // The next change on the server overwrites the client's own writes to that member.
        player.Name = "ann2";
        await rig.Until(() => copy.Name == "ann2");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_owner_knows_it_owns_and_a_transfer_reaches_both_clients(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient first = await rig.ConnectAsync();
        NetClient second = await rig.ConnectAsync();
        int firstChanges = 0, secondChanges = 0;
        first.World.OwnershipChanged += _ => firstChanges++;
        second.World.OwnershipChanged += _ => secondChanges++;

        TestPlayer player = rig.World.Spawn(new TestPlayer { Name = "ann" }, owner: rig.ConnectionOf(first));
        Assert.Same(rig.ConnectionOf(first), player.OwnerConnection);
        await rig.Until(() => rig.Find<TestPlayer>(first, player.Id) is not null && rig.Find<TestPlayer>(second, player.Id) is not null);
        Assert.True(rig.Find<TestPlayer>(first, player.Id).IsOwner);
        Assert.False(rig.Find<TestPlayer>(second, player.Id).IsOwner);

        rig.World.SetOwner(player, rig.ConnectionOf(second));
        await rig.Until(() => !rig.Find<TestPlayer>(first, player.Id).IsOwner && rig.Find<TestPlayer>(second, player.Id).IsOwner);
        Assert.Equal((1, 1), (firstChanges, secondChanges));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_late_joiner_gets_the_current_state_of_everything(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient early = await rig.ConnectAsync();
        var players = Enumerable.Range(0, 50).Select(i => rig.World.Spawn(new TestPlayer { Name = $"p{i}", Score = i })).ToList();
        await rig.Until(() => early.World.Entities.Count == 50);
        for (int round = 0; round < 5; round++)
        {
            foreach (TestPlayer p in players)
            {
                p.Score += 100;
                p.Position += Vector3.UnitX;
            }

            await rig.Ticks(2);
        }

        rig.World.Despawn(players[0]);
        NetClient late = await rig.ConnectAsync();
        await rig.Until(() => late.World.Entities.Count == 49 && late.World.Entities.OfType<TestPlayer>().All(p => p.Score >= 500));
        foreach (TestPlayer p in players.Skip(1))
        {
            TestPlayer copy = rig.Find<TestPlayer>(late, p.Id);
            Assert.Equal((p.Name, p.Score, p.Position), (copy.Name, copy.Score, copy.Position));
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Entities_entering_and_leaving_a_view_spawn_and_despawn_there_and_owners_always_see_theirs(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport, o => o.World.Interest = new GridInterest(cellSize: 10, viewRadius: 100));
        NetClient near = await rig.ConnectAsync();
        NetClient far = await rig.ConnectAsync();
        rig.ConnectionOf(far).ViewPosition = new Vector3(10_000, 0, 0);

        TestPlayer walker = rig.World.Spawn(new TestPlayer { Name = "walker", Position = new Vector3(50, 0, 0) });
        TestPlayer farOwned = rig.World.Spawn(new TestPlayer { Name = "mine", Position = new Vector3(50, 0, 0) }, owner: rig.ConnectionOf(far));
        var board = rig.World.Spawn(new Scoreboard { Round = 3 });
        await rig.Until(() => near.World.Entities.Count == 3 && far.World.Entities.Count == 2);
        Assert.Null(rig.Find<TestPlayer>(far, walker.Id));
        Assert.True(rig.Find<TestPlayer>(far, farOwned.Id).IsOwner);
        Assert.True(rig.ConnectionOf(near).Sees(walker));
        Assert.False(rig.ConnectionOf(far).Sees(walker));

        // Out of view (beyond the radius and its margin): despawned there; back: spawned again with its state.
        walker.Position = new Vector3(500, 0, 0);
        await rig.Until(() => rig.Find<TestPlayer>(near, walker.Id) is null);
        Assert.Equal(2, near.World.Entities.Count);
        walker.Position = new Vector3(60, 0, 0);
        walker.Score = 42;
        await rig.Until(() => rig.Find<TestPlayer>(near, walker.Id) is { Score: 42 });

        // Within the margin (radius 100, cell 10): once seen, still seen.
        walker.Position = new Vector3(105, 0, 0);
        await rig.Until(() => rig.Find<TestPlayer>(near, walker.Id) is { Position.X: 105 });
        Assert.NotNull(rig.Find<Scoreboard>(far, board.Id)); // no interest position: everyone's
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_client_knows_the_server_clock_and_renders_a_little_behind_it(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        rig.World.Spawn(new Scoreboard());
        await rig.Ticks(60);

        // Same machine, same clock: the estimate (from the accept and every snapshot, half a round trip added) is
        // within a few milliseconds; render time trails it by the interpolation delay, and neither goes back.
        TimeSpan server = rig.World.ServerTime;
        TimeSpan estimate = client.World.ServerTime;
        Assert.InRange((estimate - server).TotalMilliseconds, -50, 50);
        TimeSpan delay = client.World.ServerTime - client.World.RenderTime;
        Assert.InRange(delay.TotalMilliseconds, 25, 500);
        Assert.InRange((delay - client.World.Statistics.InterpolationDelay).Duration().TotalMilliseconds, 0, 60);
        TimeSpan render = client.World.RenderTime;
        await rig.Ticks(10);
        Assert.True(client.World.RenderTime > render);
    }

    [Fact]
    public async Task Values_out_of_range_are_clamped_and_counted()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Udp);
        NetClient client = await rig.ConnectAsync();
        TestPlayer player = rig.World.Spawn(new TestPlayer { Name = "ann", Health = 250 });
        var board = rig.World.Spawn(new Scoreboard { Leader = -5 });
        await rig.Until(() => rig.Find<TestPlayer>(client, player.Id) is not null && rig.Find<Scoreboard>(client, board.Id) is not null);
        Assert.Equal(100f, rig.Find<TestPlayer>(client, player.Id).Health);
        Assert.Equal(-5, rig.Find<Scoreboard>(client, board.Id).Leader);
        board.Leader = 5000; // [Bits(10)] on an int holds -512..511
        await rig.Until(() => rig.Find<Scoreboard>(client, board.Id).Leader == 511);
        Assert.True(rig.World.Statistics.Clamped >= 2, $"clamped {rig.World.Statistics.Clamped}");
        Assert.Equal(250f, player.Health); // the server's own value is untouched
    }

    [Fact]
    public async Task A_client_world_refuses_what_only_the_server_does()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Tcp);
        NetClient client = await rig.ConnectAsync();
        Assert.False(client.World.IsServer);
        Assert.Throws<InvalidOperationException>(() => client.World.Spawn(new TestPlayer()));
        Assert.Throws<InvalidOperationException>(() => client.World.Publish());
        var error = Assert.Throws<InvalidOperationException>(() => rig.World.Spawn(new Unregistered()));
        Assert.Contains("not a registered entity type", error.Message);
        TestPlayer player = rig.World.Spawn(new TestPlayer { Name = "x" });
        Assert.Throws<InvalidOperationException>(() => rig.World.Spawn(player));
    }

    private sealed class Unregistered : NetEntity
    {
    }
}
