using System.Numerics;
using Travelers.Messaging;
using Travelers.Rpc;
using Travelers.Runtime.Tests.Connections;
using Travelers.Runtime.Tests.Replication;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>
/// A fire-and-forget RPC allocates nothing per call in steady state: not to send it, not to check and run it. Nor does a
/// request: its ValueTask is backed by a call object that goes back to its spares once the result is read. Gunner.Weigh
/// is called by this class alone, so its spares are this class's to count.
/// </summary>
public sealed class RpcAllocationTests
{
    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task Calling_and_running_a_void_server_rpc_allocates_nothing_on_the_game_thread(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        (Gunner server, Gunner mine) = await RpcRig.SpawnAsync(rig, client);
        const int Count = 20_000;
        server.Knocks.Capacity = 200_000; // the test's own record of calls must not grow while measuring

        // As in ConnectionAllocationTests: the first rounds warm the JIT and the pools; steady state allocates 0 bytes.
        // The warm-up sends three rounds' worth at once: how far the calls run ahead of the server's acknowledgements
        // (the reliable queue, its payload chunks) depends on how loaded the machine is, and a round that sets a new
        // high-water mark grows them once; the measured rounds stay below the warm-up's mark.
        (long sendBytes, long pollBytes) = await ExchangeAsync(3 * Count);
        // Up to ten measured rounds: in full runs of the suite (every class in parallel on two cores) five rounds in a
        // row allocated over UDP, twice in a day (a queue growing under the load); a per-call allocation fails every round.
        for (int round = 0; round < 10; round++)
        {
            (sendBytes, pollBytes) = await ExchangeAsync(Count);
            if (sendBytes == 0 && pollBytes == 0)
            {
                break;
            }
        }

        Assert.Equal(0, sendBytes);
        Assert.True(pollBytes == 0, $"{pollBytes} bytes allocated by the server's Poll() running the calls");

        async Task<(long Send, long Poll)> ExchangeAsync(int count)
        {
            int expected = server.Knocks.Count + count;
            long send = 0;
            long poll = 0;
            for (int i = 0; i < count; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                mine.Server.Knock(i);
                if (i % 20 == 19)
                {
                    client.Poll(); // flushes: 20 calls per frame
                }

                long between = GC.GetAllocatedBytesForCurrentThread();
                rig.Server.Poll();
                long after = GC.GetAllocatedBytesForCurrentThread();
                send += between - before;
                poll += after - between;
            }

            client.Poll();
            await Loopback.Until(() => server.Knocks.Count == expected, rig.Server.Poll, client.Poll);
            return (send, poll);
        }
    }

    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task A_request_and_its_answer_allocate_nothing_on_the_game_thread(NetTransport transport)
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        (Gunner server, Gunner mine) = await RpcRig.SpawnAsync(rig, client);
        server.Stowed.Capacity = 100_000;

        // Warmed as the test above; then rounds until one allocates nothing (a per-call allocation fails every round).
        long allocated = RoundTrips(1000);
        for (int round = 0; round < 10 && (round == 0 || allocated != 0); round++)
        {
            allocated = RoundTrips(300);
        }

        Assert.True(allocated == 0, $"{allocated} bytes allocated by a round of 300 requests (both kinds), the server's and client's Poll() included");

        // Both ends on this thread: the call, the server running and answering it, the client completing it.
        long RoundTrips(int count)
        {
            long bytes = 0;
            for (int i = 0; i < count; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                ValueTask<int> weighed = mine.Server.Weigh(i);
                ValueTask stowed = mine.Server.Stow(i);
                client.Poll();
                bytes += GC.GetAllocatedBytesForCurrentThread() - before;
                bytes += PollUntil(() => weighed.IsCompleted && stowed.IsCompleted, rig.Server, client, countClient: true);
                before = GC.GetAllocatedBytesForCurrentThread();
                int weight = weighed.Result;
                stowed.GetAwaiter().GetResult();
                bytes += GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.Equal(2 * i, weight);
            }

            return bytes;
        }
    }

    [Fact]
    public async Task A_request_read_twice_or_before_its_answer_throws_and_leaves_the_next_call_whole()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Tcp);
        NetClient client = await rig.ConnectAsync();
        (_, Gunner mine) = await RpcRig.SpawnAsync(rig, client);

        ValueTask<int> first = mine.Server.Weigh(1);
#pragma warning disable xUnit1031 // reading a result early, and twice, is what this test is about
        var early = Assert.Throws<InvalidOperationException>(() => first.Result);
        Assert.Contains("Gunner.Weigh has not been answered yet", early.Message, StringComparison.Ordinal);
        await rig.Until(() => first.IsCompleted);
        Assert.Equal(2, first.Result); // the early read gave nothing back to the spares: the answer still came

        int spares = Spares<PendingCall.Valued<Gunner.__Rpc_Weigh, int>>.Count;
        Assert.True(spares > 0, "the answered call went back to its spares");
        ValueTask<int> second = mine.Server.Weigh(2); // the same object, taken again
        Assert.Equal(spares - 1, Spares<PendingCall.Valued<Gunner.__Rpc_Weigh, int>>.Count);
        Assert.Throws<InvalidOperationException>(() => first.Result); // read twice: not this call's any more
        await rig.Until(() => second.IsCompleted);
        Assert.Equal(4, second.Result);
#pragma warning restore xUnit1031
    }

    [Fact]
    public async Task A_token_cancelled_after_its_call_was_answered_does_not_cancel_the_call_that_reuses_it()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Tcp);
        NetClient client = await rig.ConnectAsync();
        (_, Gunner mine) = await RpcRig.SpawnAsync(rig, client);
        using var cts = new CancellationTokenSource();

        Assert.Equal(6, await RpcRig.Await(rig, mine.Server.Weigh(3, cts.Token)));
        int spares = Spares<PendingCall.Valued<Gunner.__Rpc_Weigh, int>>.Count;
        ValueTask<int> next = mine.Server.Weigh(4); // takes the object the first call used
        Assert.Equal(spares - 1, Spares<PendingCall.Valued<Gunner.__Rpc_Weigh, int>>.Count);

        // The first call's registration went with its answer: cancelling its token now touches nothing.
        await cts.CancelAsync();
        Assert.Equal(8, await RpcRig.Await(rig, next));
    }

    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task A_refused_call_allocates_nothing_on_the_servers_thread_once_its_first_refusal_is_logged(NetTransport transport)
    {
        // Calls on an entity that does not exist, each waiting for an answer: refused and answered. The refusal's
        // text and its log line's were built for every one (a flood of 4 MB of them allocated 474 MB in one Poll()).
        await using ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        NetClient client = await rig.ConnectAsync();
        (Gunner server, _) = await RpcRig.SpawnAsync(rig, client);
        RpcRuntime refusals = rig.ConnectionOf(client).Endpoint.Rpc; // its count, not a metric listener: that allocates per measurement
        int index = MessageTable.Current().RpcCallIndex;
        byte[] forged = RpcRig.Call(RpcRig.IndexOf("Gunner.Buy"), 9, NetId.Of(4000, 1).Value, 1, 0, 0, 0);

        long allocated = Refuse(100); // warm: the first is logged, pools and queues grow
        for (int round = 0; round < 10 && (round == 0 || allocated != 0); round++)
        {
            allocated = Refuse(200);
        }

        Assert.True(allocated == 0, $"{allocated} bytes allocated by the server's Poll() refusing 200 calls");

        long Refuse(int count)
        {
            long expected = refusals.Refused + count;
            for (int i = 0; i < count; i++)
            {
                RpcRig.SendRaw(client.Connection, index, forged);
            }

            client.Flush();
            return PollUntil(() => refusals.Refused >= expected, rig.Server, client, countClient: false);
        }
    }

    /// <summary>
    /// Polls the server, then the client, on this thread until <paramref name="done"/> holds (within
    /// <see cref="Loopback.Bound"/>); returns the bytes the server's polls allocated here, and the client's too with
    /// <paramref name="countClient"/>.
    /// </summary>
    private static long PollUntil(Func<bool> done, NetServer server, NetClient client, bool countClient)
    {
        long bytes = 0;
        long deadline = Environment.TickCount64 + (long)Loopback.Bound.TotalMilliseconds;
        while (!done())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"not done within {Loopback.Bound}"); // not a message built on every turn
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            server.Poll();
            long between = GC.GetAllocatedBytesForCurrentThread();
            client.Poll();
            bytes += between - before + (countClient ? GC.GetAllocatedBytesForCurrentThread() - between : 0);
            Thread.Yield();
        }

        return bytes;
    }
}
