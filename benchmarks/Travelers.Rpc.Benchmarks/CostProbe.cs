using System.Diagnostics;
using System.Net;
using System.Numerics;
using Travelers;

namespace Travelers.Rpc.Benchmarks;

/// <summary>
/// Where an RPC's time goes, side by side with the equivalent message: the sender's call (proxy against Send, flushes
/// not timed) and the server's dispatch (one Poll() running 10,000 calls that have all arrived). In-process, TCP.
/// </summary>
internal static class CostProbe
{
    private const int Calls = 10_048; // 157 frames of 64

    public static void Run(int rounds)
    {
        var server = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0 });
        long messages = 0;
        server.On((NetConnection _, in FireMessage m) => messages++);
        server.StartAsync().GetAwaiter().GetResult();
        var client = new NetClient();
        Task connect = client.ConnectAsync(server.LocalEndPoint);
        while (!connect.IsCompleted)
        {
            server.Poll();
        }

        Turret serverTurret = server.World.Spawn(new Turret(), owner: server.Connections.Single());
        while (client.World.Entities.Count == 0)
        {
            server.World.Publish();
            server.Poll();
            client.Poll();
            Thread.Sleep(1);
        }

        var turret = (Turret)client.World.Entities.Single();
        var send = new List<(double Message, double Rpc)>();
        var dispatch = new List<(double Message, double Rpc)>();
        for (int round = 0; round < rounds; round++)
        {
            double sendMessage = Send(() =>
            {
                var m = new FireMessage { Turret = turret.Id.Value, Aim = Vector2.One, Power = 3 };
                client.Send(in m);
            });
            double pollMessage = Dispatch(() => messages);
            double sendRpc = Send(() => turret.Server.Fire(Vector2.One, 3));
            double pollRpc = Dispatch(() => Volatile.Read(ref serverTurret.Fired));
            if (round > 0)
            {
                send.Add((sendMessage, sendRpc));
                dispatch.Add((pollMessage, pollRpc));
            }
        }

        Print("send (caller's thread)", send);
        Print("dispatch (server's Poll)", dispatch);
        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();

        double Send(Action call)
        {
            // Timed a frame's worth at a time (64 calls, then an untimed flush): a clock read per call cost as
            // much as a fifth of what it measured.
            long ticks = 0;
            for (int i = 0; i < Calls; i += 64)
            {
                long start = Stopwatch.GetTimestamp();
                for (int j = 0; j < 64; j++)
                {
                    call();
                }

                ticks += Stopwatch.GetTimestamp() - start;
                client.Flush();
            }

            client.Flush();
            return ticks * 1e9 / Stopwatch.Frequency / (Calls / 64 * 64);
        }

        double Dispatch(Func<long> count)
        {
            long target = count() + Calls;
            Thread.Sleep(300); // every frame has arrived and waits for Poll()
            long start = Stopwatch.GetTimestamp();
            server.Poll();
            long ticks = Stopwatch.GetTimestamp() - start;
            while (count() < target)
            {
                server.Poll(); // any that came late: not timed, and the round is then reported as is
                Thread.Sleep(1);
            }

            return ticks * 1e9 / Stopwatch.Frequency / Calls;
        }
    }

    /// <summary>For a profiler: the caller's side alone (RPC or message) for some seconds, the server polling at 1 kHz on its own thread.</summary>
    public static void Loop(bool rpc, int seconds)
    {
        var server = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0 });
        long messages = 0;
        server.On((NetConnection _, in FireMessage m) => messages++);
        server.StartAsync().GetAwaiter().GetResult();
        var client = new NetClient();
        Task connect = client.ConnectAsync(server.LocalEndPoint);
        while (!connect.IsCompleted)
        {
            server.Poll();
        }

        server.World.Spawn(new Turret(), owner: server.Connections.Single());
        while (client.World.Entities.Count == 0)
        {
            server.World.Publish();
            server.Poll();
            client.Poll();
            Thread.Sleep(1);
        }

        var turret = (Turret)client.World.Entities.Single();
        bool stop = false;
        var poller = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                server.Poll();
                Thread.Sleep(1);
            }
        });
        poller.Start();
        var clock = Stopwatch.StartNew();
        long calls = 0;
        var m = new FireMessage { Turret = turret.Id.Value, Aim = Vector2.One, Power = 3 };
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (int j = 0; j < 64; j++)
            {
                if (rpc)
                {
                    turret.Server.Fire(Vector2.One, 3);
                }
                else
                {
                    client.Send(in m);
                }
            }

            client.Flush();
            calls += 64;
            if ((calls & 0xFFFF) == 0)
            {
                Thread.Sleep(0);
            }
        }

        Console.WriteLine($"{calls / clock.Elapsed.TotalSeconds / 1e6:N2} M calls/s");
        Volatile.Write(ref stop, true);
        poller.Join();
        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static void Print(string what, List<(double Message, double Rpc)> samples)
    {
        double message = Median(samples.Select(s => s.Message));
        double rpc = Median(samples.Select(s => s.Rpc));
        Console.WriteLine($"{what}: message {message:N1} ns, rpc {rpc:N1} ns, ratio {rpc / message:N2} (median of {samples.Count} rounds of {Calls:N0})");
    }

    private static double Median(IEnumerable<double> values)
    {
        List<double> sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
