using Travelers.Messaging;
using Travelers.Rpc;
using Travelers.Runtime.Tests.Replication;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>Hostile or broken RPC records: dropped, counted under travelers.rpc.rejected, never run; the connection stays.</summary>
public sealed class RpcInputTests
{
    public static TheoryData<NetTransport> Transports => new() { NetTransport.Tcp, NetTransport.Udp };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Unknown_rpcs_malformed_arguments_and_calls_the_wrong_way_are_dropped_and_counted(NetTransport transport)
    {
        var logs = new LogCapture();
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport, o => o.LoggerFactory = logs);
        NetClient client = await rig.ConnectAsync();
        using var refusals = new RefusalCounter(rig.Server.Metrics.Meter);
        (Gunner server, _) = await RpcRig.SpawnAsync(rig, client);
        int call = MessageTable.Current().RpcCallIndex;
        int rpcs = MessageTable.Current().Rpcs.Length;
        uint id = server.Id.Value;
        int fire = RpcRig.IndexOf("Gunner.Fire");
        int save = RpcRig.IndexOf("Gunner.Save");

        RpcRig.SendRaw(client.Connection, call, RpcRig.Call(60000, 0, id)); // no such RPC
        RpcRig.SendRaw(client.Connection, call, RpcRig.Call(rpcs, 0, id)); // one past the last
        RpcRig.SendRaw(client.Connection, call, RpcRig.Call(fire, 0, id, 1, 2, 3)); // 3 bytes where a Vector2 takes 8
        RpcRig.SendRaw(client.Connection, call, RpcRig.Call(fire, 0, id, new byte[9])); // a byte left over
        RpcRig.SendRaw(client.Connection, call, RpcRig.Call(save, 0, id, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F)); // a string length of 4 billion
        RpcRig.SendRaw(client.Connection, call, RpcRig.Call(save, 0, id, 66, (byte)'a')); // 65 bytes declared, over [MaxLength(64)]
        RpcRig.SendRaw(client.Connection, call, [0x80]); // a header cut short
        Assert.InRange(fire, 0, 31); // its header's first varint is one byte
        RpcRig.SendRaw(client.Connection, call, [(byte)((fire << 2) | 1), 0x80, 0x80, 0x80, 0x01, 1]); // a slot past 20 bits
        RpcRig.SendRaw(client.Connection, call, RpcRig.Call(RpcRig.IndexOf("Gunner.Damaged"), 0, id, 1, 0, 0, 0)); // an Owner RPC sent to the server
        client.Flush();

        await rig.Until(() => refusals.Total == 9);
        Assert.Equal(2, refusals.Count(rig.Server.Metrics.Meter, "unknown"));
        Assert.Equal(6, refusals.Count(rig.Server.Metrics.Meter, "malformed"));
        Assert.Equal(1, refusals.Count(rig.Server.Metrics.Meter, "direction"));

        // What the server's log says of them (once per connection and RPC: the unknown ones share one line).
        string[] refused = logs.Lines.Where(l => l.Contains("was not run", StringComparison.Ordinal)).ToArray();
        Assert.Single(refused, l => l.StartsWith($"an unknown RPC from connection {client.Connection.Id} ", StringComparison.Ordinal)
            && l.Contains($"unknown: a call of RPC index 60000 (there are {rpcs})", StringComparison.Ordinal));
        Assert.Single(refused, l => l.StartsWith("Gunner.Damaged from", StringComparison.Ordinal)
            && l.Contains("direction: an Owner RPC sent to the server", StringComparison.Ordinal));
        Assert.Empty(server.Fired);
        Assert.Empty(server.Saved);
        Assert.True(client.Connection.IsConnected);

        (_, Gunner mine) = (server, rig.Find<Gunner>(client, server.Id));
        mine.Server.Fire(default); // and the connection still works
        await rig.Until(() => server.Fired.Count == 1);
    }

    [Theory]
    [InlineData(NetTransport.Tcp, "index")]
    [InlineData(NetTransport.Udp, "index")]
    [InlineData(NetTransport.Tcp, "arguments")]
    [InlineData(NetTransport.Udp, "arguments")]
    [InlineData(NetTransport.Tcp, "answer")]
    [InlineData(NetTransport.Udp, "answer")]
    public async Task A_flood_of_calls_that_cannot_be_read_cuts_the_connection_off_after_its_allowance(NetTransport transport, string kind)
    {
        // Each costs the server an exception (arguments) or is plain garbage (an index past the table, an answer to a
        // server, which makes no calls): refused one by one, a client could keep the server's Poll() busy with them for
        // seconds. A correct client sends none.
        var logs = new LogCapture();
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport, o => o.LoggerFactory = logs);
        NetClient client = await rig.ConnectAsync();
        using var refusals = new RefusalCounter(rig.Server.Metrics.Meter);
        (Gunner server, _) = await RpcRig.SpawnAsync(rig, client);
        int call = kind == "answer" ? MessageTable.Current().RpcAnswerIndex : MessageTable.Current().RpcCallIndex;
        byte[] bad = kind switch
        {
            "arguments" => RpcRig.Call(RpcRig.IndexOf("Gunner.Fire"), 7, server.Id.Value, 1, 2, 3), // 3 bytes where a Vector2 takes 8
            "index" => RpcRig.Call(MessageTable.Current().Rpcs.Length, 7, server.Id.Value), // one past the last
            _ => [0x7F, 0], // call 127, done
        };
        var closed = new TaskCompletionSource<DisconnectInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Server.ConnectionClosed += (_, info) => closed.TrySetResult(info);

        // Within the allowance: refused, answered, the connection stays.
        for (int i = 0; i < RpcPeer.UnreadableBurst / 2; i++)
        {
            RpcRig.SendRaw(client.Connection, call, bad);
        }

        client.Flush();
        await rig.Until(() => refusals.Total == RpcPeer.UnreadableBurst / 2);
        Assert.True(client.Connection.IsConnected);

        // Past it: cut off as a violation, the rest not refused one by one.
        for (int i = 0; i < 10 * RpcPeer.UnreadableBurst; i++)
        {
            RpcRig.SendRaw(client.Connection, call, bad);
        }

        client.Flush();
        await rig.Until(() => closed.Task.IsCompleted);
        DisconnectInfo info = await closed.Task;
        Assert.Equal(DisconnectReason.ProtocolViolation, info.Reason);
        Assert.Contains($"more than {RpcPeer.UnreadableBurst} RPC records that could not be read or answered no call", info.Message, StringComparison.Ordinal);
        Assert.InRange(refusals.Total, RpcPeer.UnreadableBurst, RpcPeer.UnreadableBurst + 5); // a few refilled while the test ran
        Assert.Empty(server.Fired);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_argument_over_its_MaxLength_is_refused_by_the_caller_before_anything_is_sent(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        (Gunner server, Gunner mine) = await RpcRig.SpawnAsync(rig, client);

        // Over [MaxLength(16)]: refused on the caller's side by the serializer, before anything is sent.
        Assert.Throws<NetSerializationException>(() => mine.Server.Echo(new string('x', 17), null));
        Assert.Equal(0, client.Rpc().Pending);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Answers_to_calls_never_made_and_malformed_answers_are_dropped_and_counted(NetTransport transport)
    {
        await using ClientScene scene = await ClientScene.StartAsync(transport);

        scene.SendAnswers(
            [0x7F, 0], // call 127, never made
            [0, 0], // call 0, never made
            [0x85]); // cut short
        await scene.Rig.Until(() => scene.Refusals.Total == 3);
        Assert.Equal(2, scene.Refused("unknown"));
        Assert.Equal(1, scene.Refused("malformed"));

        Assert.Equal(10, await RpcRig.Await(scene.Rig, scene.Mine.Server.Buy(1))); // and calls still work
    }

    /// <summary>
    /// A client that has made a handful of calls has issued ids 1 to a few; an answer naming an id past 2^31 names a call
    /// never made, and is counted as one. The window kept for late answers once the ids wrap took it for an old call's
    /// late answer and dropped it unseen.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_answer_to_an_id_never_issued_is_counted_though_it_lies_half_the_id_space_away(NetTransport transport)
    {
        await using ClientScene scene = await ClientScene.StartAsync(transport);
        Assert.Equal(10, await RpcRig.Await(scene.Rig, scene.Mine.Server.Buy(1))); // call 1: the only id issued

        scene.SendAnswers(
            [0x85, 0x80, 0x80, 0x80, 0x08, 0], // call 0x80000005, done: never made
            [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0], // call 0xFFFFFFFF, done: never made
            [0x85]); // cut short, sent last: once it is counted, the two before it were read
        await scene.Rig.Until(() => scene.Refused("malformed") == 1);

        Assert.Equal(2, scene.Refused("unknown"));
        Assert.Equal(20, await RpcRig.Await(scene.Rig, scene.Mine.Server.Buy(2))); // and calls still work
    }

    /// <summary>
    /// Ids are issued in order: until they have gone round, an answer to the next id (or any after it) names a call
    /// never made; once they have, any id may be an old call's late answer, dropped quietly.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Once_the_call_ids_have_gone_round_an_answer_to_any_id_may_be_a_late_one(NetTransport transport)
    {
        await using ClientScene scene = await ClientScene.StartAsync(transport);
        scene.Client.Rpc().SkipCallIds(uint.MaxValue - 1);

        Assert.Equal(10, await RpcRig.Await(scene.Rig, scene.Mine.Server.Buy(1))); // id 2^32 - 2
        scene.SendAnswers(
            [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0], // id 2^32 - 1, the next: never made yet
            [0x85]); // cut short: once counted, the answer before it was read
        await scene.Rig.Until(() => scene.Refused("malformed") == 1);
        Assert.Equal(1, scene.Refused("unknown"));

        Assert.Equal(20, await RpcRig.Await(scene.Rig, scene.Mine.Server.Buy(2))); // id 2^32 - 1, the last
        Assert.Equal(30, await RpcRig.Await(scene.Rig, scene.Mine.Server.Buy(3))); // id 1: round again (0 is never an id)
        scene.SendAnswers(
            [7, 0], // id 7: issued in the last round, so maybe a late answer
            [0x85]);
        await scene.Rig.Until(() => scene.Refused("malformed") == 2);
        Assert.Equal(1, scene.Refused("unknown")); // dropped quietly
    }

    /// <summary>
    /// An Owner RPC arriving at a client without a target entity can never run: it is refused as malformed at once,
    /// not held as if its entity's spawn were on its way (and counted as expired seconds later).
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_entity_call_without_its_entity_is_refused_at_once_on_a_client(NetTransport transport)
    {
        await using ClientScene scene = await ClientScene.StartAsync(transport);

        scene.SendCalls(
            RpcRig.Call(RpcRig.IndexOf("Gunner.Damaged"), 0, 0, 1, 0, 0, 0), // no target
            RpcRig.Call(60000, 0, scene.Mine.Id.Value)); // sent last: once it is counted, the call before it was read
        await scene.Rig.Until(() => scene.Refused("unknown") == 1);

        Assert.Equal(1, scene.Refused("malformed"));
        Assert.Equal(0, scene.Client.Rpc().DeferredBytes); // nothing held
        Assert.True(scene.Client.Connection.IsConnected);
    }

    /// <summary>A server's answer to a call the client waits for, whose value or error text cannot be read: the call fails at once, counted.</summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_answer_to_a_waiting_call_that_cannot_be_read_fails_it_at_once(NetTransport transport)
    {
        await using ClientScene scene = await ClientScene.StartAsync(transport, o => o.RpcTimeout = TimeSpan.FromMinutes(1));

        Task<string> first = scene.Mine.Server.Slow(1).AsTask(); // call 1: the server holds it
        Task<string> second = scene.Mine.Server.Slow(2).AsTask(); // call 2
        await scene.Rig.Until(() => scene.Server.SlowToken.CanBeCanceled);
        scene.SendAnswers(
            [1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], // done, a string of 4 billion bytes
            [2, 1, 0x85]); // failed, its text cut short
        await scene.Rig.Until(() => first.IsCompleted && second.IsCompleted);

        Assert.StartsWith("The answer to Gunner.Slow could not be read", (await Assert.ThrowsAsync<RpcException>(() => first)).Message, StringComparison.Ordinal);
        Assert.StartsWith("The answer to Gunner.Slow could not be read", (await Assert.ThrowsAsync<RpcException>(() => second)).Message, StringComparison.Ordinal);
        Assert.Equal(2, scene.Refused("malformed"));
        Assert.Equal(0, scene.Client.Rpc().Pending);
    }

    /// <summary>A <c>ValueTask</c> call's answer carries no value: one with bytes after it is refused as a value's answer with bytes left over is.</summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_answer_without_a_value_that_has_bytes_after_it_fails_the_call(NetTransport transport)
    {
        await using ClientScene scene = await ClientScene.StartAsync(transport, o => o.RpcTimeout = TimeSpan.FromMinutes(1));

        Task stow = scene.Mine.Server.Stow(5).AsTask(); // call 1
        scene.SendAnswers([1, 0, 7]); // done, and a byte after it: ahead of the server's own answer
        await scene.Rig.Until(() => stow.IsCompleted);

        Assert.StartsWith("The answer to Gunner.Stow could not be read", (await Assert.ThrowsAsync<RpcException>(() => stow)).Message, StringComparison.Ordinal);
        Assert.Equal(1, scene.Refused("malformed"));
        Assert.Equal(0, scene.Client.Rpc().Pending);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Every_answer_a_client_sends_the_server_is_dropped_and_counted(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        using var refusals = new RefusalCounter(rig.Server.Metrics.Meter);
        int answer = MessageTable.Current().RpcAnswerIndex;

        // The server makes no requests. A client's answer names no call of its, whatever the id: one past 2^31 too,
        // which a client's window for late answers would take for an old id.
        RpcRig.SendRaw(client.Connection, answer, [0x85, 0x80, 0x80, 0x80, 0x08, 0]); // call 0x80000005, done
        RpcRig.SendRaw(client.Connection, answer, [0x05, 0]); // call 5, done
        client.Flush();

        await rig.Until(() => refusals.Count(rig.Server.Metrics.Meter, "unknown") == 2);
        Assert.True(client.Connection.IsConnected);
    }
}
