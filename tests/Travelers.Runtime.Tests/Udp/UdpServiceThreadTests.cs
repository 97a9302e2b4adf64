using System.Collections.Concurrent;
using Travelers;
using Travelers.Runtime.Tests.Connections;

namespace Travelers.Runtime.Tests.Udp;

/// <summary>
/// The one thread that is every UDP endpoint's clock between polls: it ticks them all, stops ticking one once it is
/// removed, survives a tick that throws, and is what acknowledges a reliable packet when the game does not poll.
/// </summary>
public sealed class UdpServiceThreadTests
{
    private sealed class Counting : UdpServiceThread.IServiced
    {
        private int _ticks;

        public ConcurrentDictionary<int, bool> Threads { get; } = new();

        public bool Throws { get; init; }

        public int Ticks => Volatile.Read(ref _ticks);

        public void ServiceTick()
        {
            Interlocked.Increment(ref _ticks);
            Threads[Environment.CurrentManagedThreadId] = true;
            if (Throws)
            {
                throw new InvalidOperationException("a faulty endpoint");
            }
        }
    }

    [Fact]
    public async Task Fifty_endpoints_are_ticked_by_one_thread_and_none_once_removed()
    {
        Counting[] endpoints = Enumerable.Range(0, 50).Select(_ => new Counting()).ToArray();
        foreach (Counting endpoint in endpoints)
        {
            UdpServiceThread.Add(endpoint);
        }

        try
        {
            await Loopback.Until(() => endpoints.All(e => e.Ticks >= 3));
        }
        finally
        {
            foreach (Counting endpoint in endpoints)
            {
                UdpServiceThread.Remove(endpoint);
            }
        }

        int[] threads = endpoints.SelectMany(e => e.Threads.Keys).Distinct().ToArray();
        Assert.Single(threads);
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);

        // Remove waited out any pass in progress: from here no tick of these runs, though the thread may go on
        // for other tests' endpoints. Two more passes (or the thread's end) prove it.
        int[] after = endpoints.Select(e => e.Ticks).ToArray();
        long passes = UdpServiceThread.Passes;
        await Loopback.Until(() => UdpServiceThread.Passes >= passes + 2 || !UdpServiceThread.IsRunning);
        Assert.Equal(after, endpoints.Select(e => e.Ticks).ToArray());
    }

    [Fact]
    public async Task A_tick_that_throws_is_counted_and_the_others_go_on()
    {
        var faulty = new Counting { Throws = true };
        var healthy = new Counting();
        long faults = UdpServiceThread.Faults;
        UdpServiceThread.Add(faulty);
        UdpServiceThread.Add(healthy);
        try
        {
            await Loopback.Until(() => healthy.Ticks >= 5 && faulty.Ticks >= 5);
        }
        finally
        {
            UdpServiceThread.Remove(faulty);
            UdpServiceThread.Remove(healthy);
        }

        Assert.True(UdpServiceThread.Faults >= faults + 5);
    }

    [Fact]
    public async Task A_message_a_server_queues_goes_out_though_the_server_never_polls_or_flushes()
    {
        // Every timer of the endpoints past the test's bound (the maintenance tick is a quarter of the shortest, and
        // its first ping would flush): after the handshake, only the service thread flushes the server's link (its
        // receive thread flushes when packets come in, and nothing comes in).
        var quiet = new NetServerOptions
        {
            Transport = NetTransport.Udp,
            Address = System.Net.IPAddress.Loopback,
            Port = 0,
            HeartbeatInterval = TimeSpan.FromSeconds(120),
            HandshakeTimeout = TimeSpan.FromSeconds(120),
            Timeout = TimeSpan.FromSeconds(240),
        };
        await using NetServer server = await Loopback.StartServerAsync(quiet);
        NetClientOptions quietClient = UdpConnectionTests.Client();
        quietClient.HeartbeatInterval = quiet.HeartbeatInterval;
        quietClient.HandshakeTimeout = quiet.HandshakeTimeout;
        quietClient.Timeout = quiet.Timeout;
        var received = new List<int>();
        await using NetClient client = await Loopback.ConnectAsync(server, quietClient, c => c.On((NetConnection _, in Echo m) => received.Add(m.Sequence)));
        Assert.True(UdpServiceThread.IsRunning);

        server.Connections.Single().Send(new Echo { Client = 0, Sequence = 7, Text = "from the service" }, Delivery.Unreliable);
        await Loopback.Until(() => received.Count == 1, client.Poll);
        Assert.Equal([7], received);
    }
}
