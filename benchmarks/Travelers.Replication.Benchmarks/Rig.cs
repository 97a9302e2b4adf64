using System.Diagnostics;
using System.Net;
using Travelers;

namespace Travelers.Replication.Benchmarks;

/// <summary>A server and its clients on UDP loopback in this process, pumped by the caller's thread.</summary>
internal static class Rig
{
    /// <summary>IP (20) and UDP (8) headers of an IPv4 datagram, which ConnectionStatistics does not count.</summary>
    public const int IpUdpHeaderBytes = 28;

    /// <summary>Starts a UDP server on loopback with the given budget per client and, when not null, snapshot history (ticks).</summary>
    public static async Task<NetServer> StartServerAsync(int budgetBytesPerSecond, int? snapshotHistory = null)
    {
        var world = new NetWorldOptions { BudgetBytesPerSecond = budgetBytesPerSecond };
        if (snapshotHistory is { } history)
        {
            world.SnapshotHistory = history;
        }

        var server = new NetServer(new NetServerOptions
        {
            Address = IPAddress.Loopback,
            Port = 0,
            Transport = NetTransport.Udp,
            World = world,
        });
        await server.StartAsync();
        return server;
    }

    /// <summary>Connects <paramref name="count"/> UDP clients, 25 at a time, polling the server (approval runs in its Poll()).</summary>
    public static NetClient[] Connect(NetServer server, int count)
    {
        var clients = new NetClient[count];
        for (int first = 0; first < count; first += 25)
        {
            var connects = new List<Task>();
            for (int i = first; i < Math.Min(count, first + 25); i++)
            {
                clients[i] = new NetClient(new NetClientOptions { Transport = NetTransport.Udp });
                connects.Add(clients[i].ConnectAsync(server.LocalEndPoint));
            }

            Task all = Task.WhenAll(connects);
            if (!Until(() => all.IsCompleted, TimeSpan.FromSeconds(30), server.Poll))
            {
                throw new TimeoutException($"Clients {first} to {first + connects.Count - 1} did not connect within 30 s.");
            }

            all.GetAwaiter().GetResult();
        }

        return clients;
    }

    /// <summary>The server's connection of <paramref name="client"/> (the ids agree on both ends).</summary>
    public static NetConnection ConnectionOf(NetServer server, NetClient client) =>
        server.Connections.Single(c => c.Id == client.Connection.Id);

    /// <summary>Runs <paramref name="polls"/> until <paramref name="condition"/> holds (true) or <paramref name="bound"/> passes (false), yielding a millisecond between rounds.</summary>
    public static bool Until(Func<bool> condition, TimeSpan bound, params Action[] polls)
    {
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            foreach (Action poll in polls)
            {
                poll();
            }

            if (condition())
            {
                return true;
            }

            if (Stopwatch.GetElapsedTime(started) > bound)
            {
                return false;
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Closes the clients (in parallel, the server polled meanwhile), then the server.</summary>
    public static void Close(NetServer server, IEnumerable<NetClient> clients)
    {
        Task all = Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        Until(() => all.IsCompleted, TimeSpan.FromSeconds(10), server.Poll);
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

/// <summary>A fixed-rate loop in real time: <see cref="Wait"/> returns at each tick's start, polling meanwhile.</summary>
internal sealed class TickClock
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly double _period;
    private long _ticks;

    public TickClock(int rate)
    {
        _period = 1.0 / rate;
    }

    /// <summary>Ticks that started late by more than one period (the loop fell behind real time).</summary>
    public int Late { get; private set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Waits for the next tick's start, calling <paramref name="poll"/> about every millisecond meanwhile.</summary>
    public void Wait(Action poll)
    {
        double due = _ticks * _period;
        _ticks++;
        if (_clock.Elapsed.TotalSeconds > due + _period)
        {
            Late++;
        }

        while (true)
        {
            poll();
            double left = due - _clock.Elapsed.TotalSeconds;
            if (left <= 0)
            {
                return;
            }

            if (left > 0.0015)
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
