using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Travelers.RelayTool.Tests;

/// <summary>
/// The relay between real sockets on 127.0.0.1, ports chosen by the OS: an echo server behind it, clients in
/// front. Every wait is bounded and waits on a condition.
/// </summary>
public sealed class RelayTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Without_loss_datagrams_go_to_the_server_and_its_replies_come_back()
    {
        await using var echo = new EchoServer();
        await using Relay relay = StartRelay(echo.EndPoint, new NetworkConditions());
        using Socket client = Client();

        for (int i = 0; i < 20; i++)
        {
            string text = $"hello {i}";
            await client.SendToAsync(Encoding.UTF8.GetBytes(text), relay.LocalEndPoint);
            (string reply, IPEndPoint from) = await ReceiveAsync(client, Patience);

            Assert.Equal(text, reply);
            Assert.Equal(relay.LocalEndPoint, from);
        }

        RelayStatistics statistics = relay.GetStatistics();
        Assert.Equal(1, statistics.Clients);
        Assert.Equal(20, statistics.ToServer.Relayed);
        Assert.Equal(20, statistics.ToClients.Relayed);
        Assert.Equal(20, echo.Received);
    }

    [Fact]
    public async Task With_total_loss_nothing_arrives()
    {
        await using var echo = new EchoServer();
        await using Relay relay = StartRelay(echo.EndPoint, new NetworkConditions { Loss = 1 });
        using Socket client = Client();

        for (int i = 0; i < 10; i++)
        {
            await client.SendToAsync(Encoding.UTF8.GetBytes("lost"), relay.LocalEndPoint);
        }

        await WaitUntil(() => relay.GetStatistics().ToServer.Dropped == 10);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReceiveAsync(client, TimeSpan.FromMilliseconds(300)));
        Assert.Equal(0, echo.Received);
        Assert.Equal(0, relay.GetStatistics().ToServer.Relayed);
    }

    [Fact]
    public async Task Two_clients_reach_the_server_from_distinct_ports_and_get_their_own_replies()
    {
        await using var echo = new EchoServer();
        await using Relay relay = StartRelay(echo.EndPoint, new NetworkConditions());
        using Socket first = Client();
        using Socket second = Client();

        await first.SendToAsync(Encoding.UTF8.GetBytes("first"), relay.LocalEndPoint);
        await second.SendToAsync(Encoding.UTF8.GetBytes("second"), relay.LocalEndPoint);

        Assert.Equal("first", (await ReceiveAsync(first, Patience)).Text);
        Assert.Equal("second", (await ReceiveAsync(second, Patience)).Text);
        IPEndPoint[] seen = echo.Senders.ToArray();
        Assert.Equal(2, seen.Length);
        Assert.NotEqual(seen[0].Port, seen[1].Port);
        Assert.Equal(
            seen.Select(s => s.Port).Order(),
            relay.GetClients().Select(c => c.Upstream.Port).Order());
    }

    [Fact]
    public async Task Latency_applies_in_both_directions()
    {
        await using var echo = new EchoServer();
        await using Relay relay = StartRelay(echo.EndPoint, new NetworkConditions { Latency = TimeSpan.FromMilliseconds(50) });
        using Socket client = Client();
        long sent = Stopwatch.GetTimestamp();

        await client.SendToAsync(Encoding.UTF8.GetBytes("slow"), relay.LocalEndPoint);
        (string reply, _) = await ReceiveAsync(client, Patience);

        Assert.Equal("slow", reply);
        Assert.True(Stopwatch.GetElapsedTime(sent) >= TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_client_silent_for_the_idle_timeout_is_forgotten()
    {
        var clock = new FakeTimeProvider();
        await using var echo = new EchoServer();
        await using Relay relay = StartRelay(echo.EndPoint, new NetworkConditions(), clock);
        using Socket client = Client();
        await client.SendToAsync(Encoding.UTF8.GetBytes("hi"), relay.LocalEndPoint);
        await ReceiveAsync(client, Patience);
        Assert.Equal(1, relay.GetStatistics().Clients);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, relay.GetStatistics().Clients);

        clock.Advance(TimeSpan.FromSeconds(2));
        RelayStatistics statistics = relay.GetStatistics();
        Assert.Equal(0, statistics.Clients);
        Assert.Equal(1, statistics.ToServer.Relayed);
    }

    [Fact]
    public async Task Clients_beyond_the_limit_are_refused_and_counted()
    {
        await using var echo = new EchoServer();
        var options = new RelayOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Target = echo.EndPoint, MaxClients = 1 };
        await using var relay = new Relay(options);
        relay.Start();
        using Socket first = Client();
        using Socket second = Client();

        await first.SendToAsync(Encoding.UTF8.GetBytes("first"), relay.LocalEndPoint);
        await ReceiveAsync(first, Patience);
        await second.SendToAsync(Encoding.UTF8.GetBytes("second"), relay.LocalEndPoint);

        await WaitUntil(() => relay.GetStatistics().ClientsRejected == 1);
        Assert.Equal(1, relay.GetStatistics().Clients);
        Assert.Equal(1, echo.Received);
    }

    private static Relay StartRelay(IPEndPoint target, NetworkConditions conditions, TimeProvider? time = null)
    {
        var relay = new Relay(new RelayOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Target = target, Conditions = conditions }, time);
        relay.Start();
        return relay;
    }

    private static Socket Client()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static async Task<(string Text, IPEndPoint From)> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout);
        byte[] buffer = new byte[2048];
        SocketReceiveFromResult result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancel.Token);
        return (Encoding.UTF8.GetString(buffer, 0, result.ReceivedBytes), (IPEndPoint)result.RemoteEndPoint);
    }

    /// <summary>Polls a condition the relay updates from its own threads, for at most <see cref="Patience"/>.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < Patience, "The condition did not become true in time.");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A UDP server on 127.0.0.1 that sends every datagram back and remembers who sent it.</summary>
    private sealed class EchoServer : IAsyncDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _received;

        public EchoServer()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _loop = Task.Run(LoopAsync);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

        public int Received => Volatile.Read(ref _received);

        public ConcurrentQueue<IPEndPoint> Senders { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _socket.Dispose();
            await _loop;
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            byte[] buffer = new byte[65_536];
            var senders = new HashSet<IPEndPoint>();
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    SocketReceiveFromResult result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    var from = (IPEndPoint)result.RemoteEndPoint;
                    if (senders.Add(from))
                    {
                        Senders.Enqueue(from);
                    }

                    Interlocked.Increment(ref _received);
                    await _socket.SendToAsync(buffer.AsMemory(0, result.ReceivedBytes), from, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    if (_stop.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }
        }
    }
}
