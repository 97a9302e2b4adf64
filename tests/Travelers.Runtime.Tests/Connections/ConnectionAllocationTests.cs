using Travelers;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>The game thread's side of sending and receiving allocates nothing per message in steady state.</summary>
public sealed class ConnectionAllocationTests
{
    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task Sending_and_dispatching_struct_messages_allocates_nothing_on_the_game_thread(NetTransport transport)
    {
        NetServerOptions options = Loopback.ServerOptions(transport);
        await using NetServer server = await Loopback.StartServerAsync(options);
        long received = 0;
        server.On((NetConnection _, in Move m) => received += m.Tick);
        await using NetClient client = await Loopback.ConnectAsync(server, new NetClientOptions { Transport = transport });

        // The first round warms up: JIT, and the pools' free lists (and over UDP the rings of packets in flight)
        // growing to this traffic's high-water mark; it sends three rounds' worth, so that how far the sender runs
        // ahead on a loaded machine stays below its mark later. A later round may still meet a new high-water mark
        // (a burst the I/O threads happened to deliver together) and grow a free list once; steady state is a round
        // of 20,000 messages with 0 bytes. Anything allocated per message would show in every round.
        const int Count = 20_000;
        (long sendBytes, long pollBytes) = await ExchangeAsync(3 * Count);
        // Up to ten measured rounds, as in RpcAllocationTests: over UDP on a loaded machine consecutive rounds can still
        // each grow a queue or buffer to a new high-water mark (65,592 bytes in each of two rounds in a row beside the
        // whole suite; 142,976 then 1,048 bytes in another run): how many in a row depends on the load. A per-message
        // allocation fails every round.
        for (int round = 0; round < 10; round++)
        {
            (sendBytes, pollBytes) = await ExchangeAsync(Count);
            if (sendBytes == 0 && pollBytes == 0)
            {
                break;
            }
        }

        Assert.Equal(0, sendBytes);
        Assert.True(pollBytes == 0, $"{pollBytes} bytes allocated by the server's Poll()");

        async Task<(long Send, long Poll)> ExchangeAsync(int count)
        {
            long expected = received + ((long)count * (count - 1) / 2);
            long send = 0;
            long poll = 0;
            for (uint i = 0; i < count; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                client.Send(new Move { Tick = i, X = i, Y = -i });
                if (i % 20 == 19)
                {
                    client.Poll(); // flushes: 20 messages per frame
                }

                long between = GC.GetAllocatedBytesForCurrentThread();
                server.Poll();
                long after = GC.GetAllocatedBytesForCurrentThread();
                send += between - before;
                poll += after - between;
            }

            client.Poll();
            await Loopback.Until(() => received == expected, server.Poll, client.Poll);
            return (send, poll);
        }
    }
}
