using System.Diagnostics;
using System.Numerics;
using Travelers.Messaging;
using Travelers.Rpc;
using Travelers.Runtime.Tests.Replication;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>
/// The server decides: calls on entities the caller does not own or see, forged ids and floods are dropped, counted,
/// logged once, answered when the caller waits, and never run (Mirror #2062, #2622, #4069; NGO #3696, #3731).
/// </summary>
public sealed class RpcAuthorityTests
{
    public static TheoryData<NetTransport> Transports => new() { NetTransport.Tcp, NetTransport.Udp };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_client_cannot_call_a_server_rpc_on_an_entity_it_does_not_own(NetTransport transport)
    {
        var logs = new LogCapture();
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport, o => o.LoggerFactory = logs);
        NetClient owner = await rig.ConnectAsync();
        NetClient other = await rig.ConnectAsync();
        using var refusals = new RefusalCounter(rig.Server.Metrics.Meter, other.Metrics.Meter);
        (Gunner server, _) = await RpcRig.SpawnAsync(rig, owner);
        Gunner theirs = null!;
        await rig.Until(() => (theirs = rig.Find<Gunner>(other, server.Id)) is not null);

        theirs.Server.Fire(new Vector2(9, 9));
        theirs.Server.Fire(new Vector2(9, 9));
        theirs.Server.Fire(new Vector2(9, 9));
        RpcException error = await Assert.ThrowsAsync<RpcException>(() => RpcRig.Await(rig, theirs.Server.Buy(1)));
        theirs.Server.Knock(3); // RequireOwnership = false: anyone who sees it may
        await rig.Until(() => server.Knocks.Count == 1);

        Assert.Empty(server.Fired);
        Assert.Equal("Gunner.Buy was refused: the caller does not own the entity.", error.Message);
        Assert.Equal(4, refusals.Count(rig.Server.Metrics.Meter, "ownership"));
        Assert.Equal([(3, other.Connection.Id)], server.Knocks);
        Assert.Single(logs.Lines, l => l.Contains("Gunner.Fire", StringComparison.Ordinal) && l.Contains("ownership", StringComparison.Ordinal)); // once per connection and RPC
        Assert.Equal(0, refusals.Count(other.Metrics.Meter, "unknown")); // no answer to a call that wanted none (it came before Buy's)
        Assert.True(other.Connection.IsConnected);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_client_cannot_call_an_rpc_on_an_entity_out_of_its_interest_or_with_a_forged_id(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport, o => o.World = new NetWorldOptions { Interest = new GridInterest(cellSize: 10, viewRadius: 20) });
        NetClient near = await rig.ConnectAsync();
        NetClient far = await rig.ConnectAsync();
        using var refusals = new RefusalCounter(rig.Server.Metrics.Meter);
        (Gunner server, Gunner seen) = await RpcRig.SpawnAsync(rig, near);
        Gunner farOwn = rig.World.Spawn(new Gunner { Position = new Vector3(1000, 0, 0) }, owner: rig.ConnectionOf(far));
        rig.ConnectionOf(far).ViewPosition = new Vector3(1000, 0, 0);
        await rig.Until(() => rig.Find<Gunner>(far, farOwn.Id) is not null);
        Assert.False(rig.ConnectionOf(far).Sees(server));

        // The far client forges calls on the near gunner, which it cannot see: Knock needs no ownership, only sight.
        int knock = RpcRig.IndexOf("Gunner.Knock");
        int fire = RpcRig.IndexOf("Gunner.Fire");
        RpcRig.SendRaw(far.Connection, MessageTable.Current().RpcCallIndex, RpcRig.Call(knock, 0, server.Id.Value, 1, 0, 0, 0));

        // And ids of no entity: a wrong generation, a slot never used, zero.
        uint wrongGeneration = NetId.Of(server.Id.Slot, server.Id.Generation + 1).Value;
        foreach (uint forged in new[] { wrongGeneration, NetId.Of(5000, 1).Value, 0u })
        {
            RpcRig.SendRaw(far.Connection, MessageTable.Current().RpcCallIndex, RpcRig.Call(fire, 0, forged, new byte[8]));
        }

        far.Flush();
        await rig.Until(() => refusals.Count(rig.Server.Metrics.Meter, "visibility") == 1 && refusals.Count(rig.Server.Metrics.Meter, "entity") == 3);

        Assert.Empty(server.Knocks);
        Assert.Empty(server.Fired);
        seen.Server.Knock(2); // the near client sees it: allowed
        await rig.Until(() => server.Knocks.Count == 1);
        Assert.True(far.Connection.IsConnected);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_refusal_tells_a_caller_nothing_of_entities_hidden_from_it(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport, o => o.World = new NetWorldOptions { Interest = new GridInterest(cellSize: 10, viewRadius: 20) });
        NetClient near = await rig.ConnectAsync();
        NetClient far = await rig.ConnectAsync();
        using var refusals = new RefusalCounter(rig.Server.Metrics.Meter);
        rig.ConnectionOf(far).ViewPosition = new Vector3(1000, 0, 0);
        (Gunner hidden, _) = await RpcRig.SpawnAsync(rig, near);
        Assert.False(rig.ConnectionOf(far).Sees(hidden));

        // A hand-made client asks about ids it was never sent: a live gunner hidden from it, and a dead one.
        var live = new Gunner { Id = hidden.Id };
        var dead = new Gunner { Id = NetId.Of(hidden.Id.Slot, hidden.Id.Generation + 1) };
        RpcException onLive = await Assert.ThrowsAsync<RpcException>(() => RpcRig.Await(rig, far.Rpc().Request<Gunner.__Rpc_Buy, int>(live, new Gunner.__Rpc_Buy { item = 1 }, default)));
        RpcException onDead = await Assert.ThrowsAsync<RpcException>(() => RpcRig.Await(rig, far.Rpc().Request<Gunner.__Rpc_Buy, int>(dead, new Gunner.__Rpc_Buy { item = 1 }, default)));

        Assert.Equal("Gunner.Buy was refused: the caller sees no such entity.", onLive.Message);
        Assert.Equal(onLive.Message, onDead.Message);
        Assert.Equal(1, refusals.Count(rig.Server.Metrics.Meter, "visibility")); // the server's own count tells them apart
        Assert.Equal(1, refusals.Count(rig.Server.Metrics.Meter, "entity"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_call_on_an_entity_the_server_despawned_is_refused_though_the_client_still_holds_it(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        using var refusals = new RefusalCounter(rig.Server.Metrics.Meter);
        (Gunner server, Gunner mine) = await RpcRig.SpawnAsync(rig, client);
        rig.World.Despawn(server); // not published: the client holds it and calls on it

        mine.Server.Fire(new Vector2(1, 2));
        client.Flush();
        await rig.Until(() => refusals.Count(rig.Server.Metrics.Meter, "entity") == 1);

        Assert.Empty(server.Fired);
        Assert.True(client.Connection.IsConnected);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Calls_already_received_from_a_client_the_server_kicked_do_not_run(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        (Gunner server, Gunner mine) = await RpcRig.SpawnAsync(rig, client);

        // Until its ConnectionClosed is polled the kicked client still owns and sees the gunner: the calls it sent
        // with the one that got it kicked must not run on that authority.
        mine.Server.Shoot(1);
        mine.Server.Shoot(2);
        mine.Server.Shoot(3);
        client.Flush();
        await rig.Until(() => rig.Server.Connections.Count == 0);

        Assert.Equal([1], server.Shots);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task MaxPerSecond_is_a_token_bucket_per_connection_and_rpc(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        NetClient other = await rig.ConnectAsync();
        using var refusals = new RefusalCounter(rig.Server.Metrics.Meter);
        (_, Gunner mine) = await RpcRig.SpawnAsync(rig, client);
        (_, Gunner theirs) = await RpcRig.SpawnAsync(rig, other);

        var started = Stopwatch.StartNew();
        Task<int>[] calls = Enumerable.Range(0, 20).Select(i => mine.Server.Buy(i).AsTask()).ToArray();
        Task<int>[] others = Enumerable.Range(0, 5).Select(i => theirs.Server.Buy(i).AsTask()).ToArray();
        await rig.Until(() => calls.All(c => c.IsCompleted) && others.All(c => c.IsCompleted));
        double elapsed = started.Elapsed.TotalSeconds;

        int ran = calls.Count(c => c.IsCompletedSuccessfully);
        Assert.InRange(ran, 5, 5 + (int)Math.Ceiling(elapsed * 5)); // a full bucket of 5, then 5 a second
        Assert.All(calls.Where(c => c.IsFaulted), c => Assert.Equal("Gunner.Buy was refused: the caller is over its MaxPerSecond.", c.Exception!.InnerException!.Message));
        Assert.Equal(20 - ran, refusals.Count(rig.Server.Metrics.Meter, "rate"));
        Assert.All(others, c => Assert.True(c.IsCompletedSuccessfully)); // another connection has its own bucket
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_call_that_arrives_before_its_entity_waits_for_the_spawn(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();

        // Spawned and called in the same tick, before Publish: the reliable calls overtake the snapshot.
        Gunner server = rig.World.Spawn(new Gunner(), owner: rig.ConnectionOf(client));
        server.Owner.Damaged(7);
        server.Owner.Damaged(8);
        rig.Server.Flush();
        await Connections.Loopback.Until(() => client.Connection.Statistics.MessagesReceived == 2, rig.Server.Poll, client.Poll); // no Publish yet
        Assert.Empty(client.World.Entities); // the calls are here, the entity not yet: they wait

        Gunner? copy = null;
        await rig.Until(() => (copy = rig.Find<Gunner>(client, server.Id)) is not null && copy.Damage.Count == 2);
        Assert.Equal([7, 8], copy!.Damage);

        // Observers are the clients the entity has been published to.
        server.Observers.Said("first");
        server.Observers.Said("second");
        await rig.Until(() => copy.Lines.Count == 2);
        Assert.Equal(["first", "second"], copy.Lines);
    }

    /// <summary>
    /// The game's Spawned handler throws out of Poll(), so the calls waiting for that entity are not replayed after
    /// its snapshot. A newer call for it ran at once, ahead of them; it now waits behind them, and all run in order.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_call_behind_waiting_calls_for_its_entity_waits_its_turn(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        int thrown = 0;
        client.World.Spawned += _ =>
        {
            if (thrown++ == 0)
            {
                throw new InvalidOperationException("the game's Spawned handler");
            }
        };
        Action poll = () =>
        {
            try
            {
                client.Poll();
            }
            catch (InvalidOperationException e) when (e.Message == "the game's Spawned handler")
            {
            }
        };

        Gunner server = rig.World.Spawn(new Gunner(), owner: rig.ConnectionOf(client));
        server.Owner.Damaged(1); // before Publish: waits on the client
        rig.Server.Flush();
        await Connections.Loopback.Until(() => client.Connection.Statistics.MessagesReceived == 1, rig.Server.Poll, poll);
        rig.World.Publish();
        await Connections.Loopback.Until(() => thrown == 1, rig.Server.Poll, poll); // spawned, the replay skipped
        Gunner copy = rig.Find<Gunner>(client, server.Id);
        Assert.Empty(copy.Damage);

        server.Owner.Damaged(2);
        rig.Server.Flush();
        await Connections.Loopback.Until(() => copy.Damage.Count == 2, rig.World.Publish, rig.Server.Poll, poll);
        Assert.Equal([1, 2], copy.Damage);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_waiting_call_whose_run_throws_out_of_Poll_runs_once_and_the_calls_after_it_still_run(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        var logs = new ThrowingLogs(eventId: 31); // RpcFailed
        NetClient client = await rig.ConnectAsync(o => o.LoggerFactory = logs); // its log of a failed call throws, out of Poll()
        Gunner server = rig.World.Spawn(new Gunner(), owner: rig.ConnectionOf(client));
        server.Owner.Jam(1); // throws, and its log with it
        server.Owner.Jam(2);
        rig.Server.Flush();
        await Connections.Loopback.Until(() => client.Connection.Statistics.MessagesReceived == 2, rig.Server.Poll, client.Poll); // both wait
        rig.World.Publish();

        Gunner? copy = null;
        await Connections.Loopback.Until(
            () => (copy = rig.Find<Gunner>(client, server.Id)) is not null && copy.Jams.Count == 1,
            rig.World.Publish, // waiting calls are replayed after each snapshot
            rig.Server.Poll,
            logs.PollPast(client));

        Assert.Equal(1, logs.Thrown); // not run again: it was released once, and left the list
        Assert.Equal([2], copy!.Jams);
        Assert.Equal(0, client.Rpc().DeferredBytes);
    }

    /// <summary>
    /// Calls that waited for their entity run in order when it arrives; one that closes the client's connection ends
    /// the replay, as it ends a batch: nothing more from a connection this side closed is handled.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Waiting_calls_after_one_that_closed_the_connection_do_not_run(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        OwnedSpawn spawn = OwnedSpawn.Watch(rig, client);
        spawn.Server.Owner.Leave();
        spawn.Server.Owner.Damaged(5);
        rig.Server.Flush();
        await Connections.Loopback.Until(() => client.Connection.Statistics.MessagesReceived == 2, rig.Server.Poll, client.Poll); // both wait
        rig.World.Publish();

        await Connections.Loopback.Until(() => spawn.Closed is not null, rig.World.Publish, rig.Server.Poll, client.Poll);

        Assert.Equal("told to leave", spawn.Closed?.Message);
        Assert.NotNull(spawn.Copy);
        Assert.Equal(1, spawn.Copy.Left);
        Assert.Empty(spawn.Copy.Damage); // queued behind the call that closed the connection
        Assert.Equal(0, client.Rpc().DeferredBytes); // the rest dropped with the connection
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Waiting_calls_that_expire_as_a_log_throws_out_of_Poll_are_each_dropped_once(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        var logs = new ThrowingLogs(eventId: 30); // RpcRefused: the first expiry's log throws
        NetClient client = await rig.ConnectAsync(o =>
        {
            o.LoggerFactory = logs;
            o.RpcTimeout = TimeSpan.FromMilliseconds(200);
        });
        using var refusals = new RefusalCounter(client.Metrics.Meter);
        int said = RpcRig.IndexOf("Gunner.Said");
        byte[] call = RpcRig.Call(said, 0, NetId.Of(4000, 1).Value, 3, (byte)'a', (byte)'b'); // an entity never sent
        RpcRig.SendRaw(rig.ConnectionOf(client), MessageTable.Current().RpcCallIndex, call);
        RpcRig.SendRaw(rig.ConnectionOf(client), MessageTable.Current().RpcCallIndex, call);
        rig.Server.Flush();

        await Connections.Loopback.Until(
            () => refusals.Count(client.Metrics.Meter, "expired") >= 2 && client.Rpc().DeferredBytes == 0,
            rig.Server.Poll,
            logs.PollPast(client));

        Assert.Equal(1, logs.Thrown); // logged once per connection and RPC: only the first expiry logs
        Assert.Equal(2, refusals.Count(client.Metrics.Meter, "expired")); // each dropped once, not the first again
        Assert.Equal(0, client.Rpc().DeferredBytes);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Observer_calls_on_an_entity_spawned_this_tick_reach_the_clients_it_is_spawned_on(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport, o => o.World = new NetWorldOptions { Interest = new GridInterest(cellSize: 10, viewRadius: 20) });
        NetClient near = await rig.ConnectAsync();
        NetClient far = await rig.ConnectAsync();
        rig.ConnectionOf(far).ViewPosition = new Vector3(1000, 0, 0);

        // No client sees it yet: the calls wait for Publish() to decide who does.
        Gunner server = rig.World.Spawn(new Gunner());
        server.Observers.Said("spawned");
        server.Observers.Sound(4);
        Gunner? copy = null;
        await rig.Until(() => (copy = rig.Find<Gunner>(near, server.Id)) is not null && copy.Lines.Count == 1 && copy.Sounds.Count == 1);

        Assert.Equal(["spawned"], copy!.Lines);
        Assert.Equal(0, far.Connection.Statistics.MessagesReceived);

        // Once published, a client that comes into view later did not observe those calls.
        rig.ConnectionOf(far).ViewPosition = Vector3.Zero;
        Gunner? late = null;
        await rig.Until(() => (late = rig.Find<Gunner>(far, server.Id)) is not null);
        server.Observers.Said("now");
        await rig.Until(() => late!.Lines.Count == 1 && copy.Lines.Count == 2);
        Assert.Equal(["now"], late!.Lines);
    }

    /// <summary>
    /// An Observers call then an Owner call, both made in the tick that spawned the entity: the owner runs them in that
    /// order. The Owner call went out at once while the Observers call waited for Publish(), so the owner ran the
    /// later call first (here it leaves, and the earlier call never ran at all).
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Observers_then_owner_calls_on_an_entity_spawned_this_tick_run_on_its_owner_in_that_order(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        OwnedSpawn spawn = OwnedSpawn.Watch(rig, client);
        spawn.Server.Observers.Said("before you go");
        spawn.Server.Owner.Leave(); // closes the client's connection as it runs: nothing after it runs

        await Connections.Loopback.Until(() => spawn.Closed is not null, rig.World.Publish, rig.Server.Poll, client.Poll);
        Assert.NotNull(spawn.Copy);
        Assert.Equal(1, spawn.Copy.Left);
        Assert.Equal(["before you go"], spawn.Copy.Lines); // made first, so run first
    }

    /// <summary>A gunner spawned this tick and owned by a client that watches for its copy and for its connection's close.</summary>
    private sealed class OwnedSpawn
    {
        public Gunner Server { get; private set; } = null!;

        public Gunner? Copy { get; private set; }

        public DisconnectInfo? Closed { get; private set; }

        public static OwnedSpawn Watch(ReplicationRig rig, NetClient client)
        {
            var spawn = new OwnedSpawn();
            client.World.Spawned += entity => spawn.Copy ??= entity as Gunner;
            client.ConnectionClosed += (_, info) => spawn.Closed = info;
            spawn.Server = rig.World.Spawn(new Gunner(), owner: rig.ConnectionOf(client));
            return spawn;
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_call_whose_entity_never_arrives_is_dropped_after_the_timeout(NetTransport transport)
    {
        await using ClientScene scene = await ClientScene.StartAsync(transport, o => o.RpcTimeout = TimeSpan.FromMilliseconds(200));

        // A call for an entity slot the client has never had: the server would never send it, a test can.
        int said = RpcRig.IndexOf("Gunner.Said");
        byte[] text = [3, (byte)'a', (byte)'b']; // string "ab": length + 1, then UTF-8
        scene.SendCalls(RpcRig.Call(said, 0, NetId.Of(4000, 1).Value, text));

        await scene.Rig.Until(() => scene.Refused("expired") == 1);
        Assert.True(scene.Client.Connection.IsConnected);
        scene.Server.Observers.Said("still works");
        await scene.Rig.Until(() => scene.Rig.Find<Gunner>(scene.Client, scene.Server.Id).Lines.Count == 1);
    }

    /// <summary>A call that waits for its entity under a shorter <c>RpcTimeout</c> than one before it is dropped on its own deadline, not the older call's.</summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_waiting_call_made_after_RpcTimeout_is_shortened_expires_on_its_own_deadline(NetTransport transport)
    {
        await using ClientScene scene = await ClientScene.StartAsync(transport, o => o.RpcTimeout = TimeSpan.FromMinutes(1));
        int said = RpcRig.IndexOf("Gunner.Said");
        byte[] text = [3, (byte)'a', (byte)'b'];

        scene.SendCalls(RpcRig.Call(said, 0, NetId.Of(4000, 1).Value, text));
        await scene.Rig.Until(() => scene.Client.Rpc().DeferredBytes > 0); // waits, for a minute
        int held = scene.Client.Rpc().DeferredBytes;
        scene.Client.Options.RpcTimeout = TimeSpan.FromMilliseconds(200);
        scene.SendCalls(RpcRig.Call(said, 0, NetId.Of(4001, 1).Value, text));

        await scene.Rig.Until(() => scene.Refused("expired") == 1);
        Assert.Equal(held, scene.Client.Rpc().DeferredBytes); // the first still waits
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Calls_waiting_for_their_entities_are_held_within_a_byte_budget(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync(o => o.RpcTimeout = TimeSpan.FromSeconds(60)); // none expires in the test
        using var refusals = new RefusalCounter(client.Metrics.Meter);
        (Gunner server, _) = await RpcRig.SpawnAsync(rig, client);

        // A hostile server's calls for an entity the client never gets, 60,000 bytes each: a call waits unread, so its
        // size is the server's word. Each is held in a pooled array of 64 KiB: 16 fit in the client's mebibyte, the
        // next four are refused at once.
        int said = RpcRig.IndexOf("Gunner.Said");
        byte[] call = RpcRig.Call(said, 0, NetId.Of(4000, 1).Value, new byte[60_000]);
        for (int i = 0; i < 20; i++)
        {
            RpcRig.SendRaw(rig.ConnectionOf(client), MessageTable.Current().RpcCallIndex, call);
        }

        rig.Server.Flush();
        Assert.Equal(16, RpcRuntime.MaxDeferredBytes / 65_536);
        await rig.Until(() => refusals.Count(client.Metrics.Meter, "expired") == 4);
        Assert.True(client.Connection.IsConnected);
        server.Observers.Said("still works");
        await rig.Until(() => rig.Find<Gunner>(client, server.Id).Lines.Count == 1);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Services_run_on_one_instance_per_side(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        Lobby lobby = rig.Server.AddService(new Lobby());
        NetClient ann = await rig.ConnectAsync();
        NetClient bob = await rig.ConnectAsync();
        ann.AddService(new Lobby());
        bob.AddService(new Lobby());

        Assert.Equal(1, await RpcRig.Await(rig, ann.Service<Lobby>().Server.Join("ann")));
        Assert.Equal(2, await RpcRig.Await(rig, bob.Service<Lobby>().Server.Join("bob")));
        Assert.Equal([("ann", ann.Connection.Id), ("bob", bob.Connection.Id)], lobby.Joined);
        Assert.True(lobby.IsServer);
        Assert.False(ann.Service<Lobby>().IsServer);

        rig.Server.Service<Lobby>().Observers.Announce("welcome");
        await rig.Until(() => ann.Service<Lobby>().Announcements.Count == 1 && bob.Service<Lobby>().Announcements.Count == 1);
        Assert.Empty(lobby.Announcements);

        Assert.Throws<InvalidOperationException>(() => ann.AddService(new Lobby()));
        Assert.Throws<InvalidOperationException>(() => rig.Server.AddService(ann.Service<Lobby>()));
        Assert.Contains("AddService", Assert.Throws<InvalidOperationException>(() => new Lobby().Server.Join("x")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_service_derived_from_one_with_rpcs_runs_them_and_is_found_by_either_type(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        QuietLobby lobby = rig.Server.AddService(new QuietLobby());
        NetClient client = await rig.ConnectAsync();
        client.AddService(new Lobby());

        Assert.Same(lobby, rig.Server.Service<Lobby>());
        Assert.Same(lobby, rig.Server.Service<QuietLobby>());
        Assert.Equal(1, await RpcRig.Await(rig, client.Service<Lobby>().Server.Join("ann")));
        Assert.Equal([("ann", client.Connection.Id)], lobby.Joined);

        // A second Lobby on the same side: Lobby's calls could not tell which to run on.
        var second = Assert.Throws<InvalidOperationException>(() => rig.Server.AddService(new Lobby()));
        Assert.Equal("A QuietLobby was added already, and it is a Lobby too: Lobby's RPCs run on one service per server and per client.", second.Message);

        // Services that share a base without RPCs: each is found by its own type; the base names none of them.
        Scores scores = rig.Server.AddService(new Scores());
        Weather weather = rig.Server.AddService(new Weather());
        Assert.Same(scores, rig.Server.Service<Scores>());
        Assert.Same(weather, rig.Server.Service<Weather>());
        var shared = Assert.Throws<InvalidOperationException>(() => rig.Server.Service<GameServiceBase>());
        Assert.Equal("More than one service added is a GameServiceBase: ask for the one you mean by its own type.", shared.Message);
        Assert.Throws<InvalidOperationException>(() => rig.Server.AddService(new Scores()));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_service_the_server_did_not_add_refuses_calls(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        client.AddService(new Lobby());

        RpcException error = await Assert.ThrowsAsync<RpcException>(() => RpcRig.Await(rig, client.Service<Lobby>().Server.Join("ann")));

        Assert.Equal("Lobby.Join was refused: the service is not added on the server.", error.Message);
    }

    /// <summary>The refusal's log throws (a failing sink): the caller has its answer first, not its timeout.</summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_logger_that_throws_on_a_refusal_leaves_no_caller_waiting(NetTransport transport)
    {
        var logs = new ThrowingLogs(eventId: 30); // RpcRefused
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport, o => o.LoggerFactory = logs);
        NetClient client = await rig.ConnectAsync(o => o.RpcTimeout = TimeSpan.FromMinutes(1));
        client.AddService(new Lobby());

        Task<int> join = client.Service<Lobby>().Server.Join("ann").AsTask();
        await Connections.Loopback.Until(() => join.IsCompleted, logs.PollPast(rig.Server.Poll), client.Poll);

        Assert.Equal("Lobby.Join was refused: the service is not added on the server.", (await Assert.ThrowsAsync<RpcException>(() => join)).Message);
        Assert.Equal(1, logs.Thrown);
    }

    /// <summary>An RPC declared on a base entity class runs on an entity of a derived one, on both sides.</summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Rpcs_of_a_base_entity_class_run_on_an_entity_of_a_derived_one(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        Sniper server = rig.World.Spawn(new Sniper { Range = 300 }, owner: rig.ConnectionOf(client));
        Sniper? mine = null;
        await rig.Until(() => (mine = rig.Find<Sniper>(client, server.Id)) is not null);

        mine!.Server.Fire(new Vector2(1, 2));
        Assert.Equal(10, await RpcRig.Await(rig, mine.Server.Buy(1)));
        server.Owner.Damaged(4);
        await rig.Until(() => server.Fired.Count == 1 && mine.Damage.Count == 1);

        Assert.Equal([(new Vector2(1, 2), client.Connection.Id)], server.Fired);
        Assert.Equal([4], mine.Damage);
        Assert.Equal(300, mine.Range);
    }
}
