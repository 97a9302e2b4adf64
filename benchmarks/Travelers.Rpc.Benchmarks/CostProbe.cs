using System.Diagnostics;
using System.Net;
using System.Numerics;
using System.Runtime.CompilerServices;
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
        long messages = 0;
        (NetServer server, NetClient client, Turret serverTurret, Turret turret) = Connect(NetTransport.Tcp, s =>
        {
            s.On((NetConnection _, in FireMessage m) => messages++);
            s.On((NetConnection from, in CheckedFireMessage m) =>
            {
                if (s.World.Find(new NetId(m.Turret)) is Turret found && found.OwnerConnection == from && from.Sees(found))
                {
                    found.Shoot(m.Aim, m.Power);
                }
            });
        });
        var send = new List<(double Message, double Rpc)>();
        var dispatch = new List<(double Message, double Rpc)>();
        var checkedDispatch = new List<(double Message, double Rpc)>();
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
            Send(() =>
            {
                var m = new CheckedFireMessage { Turret = turret.Id.Value, Aim = Vector2.One, Power = 3 };
                client.Send(in m);
            });
            double pollChecked = Dispatch(() => Volatile.Read(ref serverTurret.Fired));
            if (round > 0)
            {
                send.Add((sendMessage, sendRpc));
                dispatch.Add((pollMessage, pollRpc));
                checkedDispatch.Add((pollChecked, pollRpc));
            }
        }

        Print("send (caller's thread)", send);
        Print("dispatch (server's Poll)", dispatch);
        Print("dispatch, message checked by hand", checkedDispatch);
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

    /// <summary>
    /// The caller's floor: frames of 64 sends timed one at a time (message, then RPC, in turn) for some seconds, the
    /// server draining them at 1 kHz on its own thread; prints the least and low percentiles of the per-frame time a
    /// call. On a shared machine a round's mean carries every interruption in it; the fastest frames carry none, so
    /// two builds can be told apart by a few per cent.
    /// </summary>
    public static void SendFloor(int seconds)
    {
        long messages = 0;
        (NetServer server, NetClient client, Turret serverTurret, Turret turret) = Connect(NetTransport.Tcp, s => s.On((NetConnection _, in FireMessage m) => Volatile.Write(ref messages, messages + 1)));
        var poller = new Poller(server, spin: false);
        var message = new List<double>();
        var rpc = new List<double>();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        var m = new FireMessage { Turret = turret.Id.Value, Aim = Vector2.One, Power = 3 };
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            long messageTicks = MessageFrame(client, in m);
            client.Flush();
            long rpcTicks = RpcFrame(turret);
            client.Flush();
            message.Add(messageTicks * 1e9 / Stopwatch.Frequency / 64);
            rpc.Add(rpcTicks * 1e9 / Stopwatch.Frequency / 64);
            sent += 64;
            while (sent - Math.Min(Volatile.Read(ref messages), Volatile.Read(ref serverTurret.Fired)) > 50_000)
            {
                client.Poll();
                Thread.Yield();
            }
        }

        poller.Dispose();
        message.Sort();
        rpc.Sort();
        Console.WriteLine($"{message.Count:N0} frames of 64 calls of each kind, ns a call:");
        foreach ((string name, double q) in new[] { ("least", 0.0), ("1st percentile", 0.01), ("5th percentile", 0.05), ("10th percentile", 0.10), ("median", 0.5) })
        {
            double a = message[(int)(q * (message.Count - 1))];
            double b = rpc[(int)(q * (rpc.Count - 1))];
            Console.WriteLine($"  {name,-16} message {a,6:N1}  rpc {b,6:N1}  ratio {b / a:N3}");
        }

        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // Each frame its own method, as BenchmarkDotNet's operations are: compiled apart (fully optimized once hot, not
    // as one on-stack-replaced loop whose registers the other kind's code shares).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long MessageFrame(NetClient client, in FireMessage m)
    {
        long start = Stopwatch.GetTimestamp();
        for (int j = 0; j < 64; j++)
        {
            client.Send(in m);
        }

        return Stopwatch.GetTimestamp() - start;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RpcFrame(Turret turret)
    {
        long start = Stopwatch.GetTimestamp();
        for (int j = 0; j < 64; j++)
        {
            turret.Server.Fire(Vector2.One, 3);
        }

        return Stopwatch.GetTimestamp() - start;
    }

    /// <summary>For a profiler: the caller's side alone (RPC or message) for some seconds, the server polling at 1 kHz on its own thread.</summary>
    public static void Loop(bool rpc, int seconds)
    {
        long messages = 0;
        (NetServer server, NetClient client, Turret serverTurret, Turret turret) = Connect(NetTransport.Tcp, s => s.On((NetConnection _, in FireMessage m) => Volatile.Write(ref messages, messages + 1)));
        var poller = new Poller(server, spin: false);
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
                // At most about 100,000 calls unsent or unread: a client that outran the server's 1 kHz polls by
                // more would be cut off at the unsent-bytes cap and time nothing but sends to a closed connection.
                while (calls - (rpc ? Volatile.Read(ref serverTurret.Fired) : Volatile.Read(ref messages)) > 100_000)
                {
                    client.Poll();
                    Thread.Yield();
                }
            }
        }

        Console.WriteLine($"{calls / clock.Elapsed.TotalSeconds / 1e6:N2} M calls/s");
        poller.Dispose();
        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>For a profiler: the server's dispatch alone (RPC or message), 10,048 calls arrived then one Poll(), for some seconds.</summary>
    public static void DispatchLoop(bool rpc, int seconds)
    {
        long messages = 0;
        (NetServer server, NetClient client, Turret serverTurret, Turret turret) = Connect(NetTransport.Tcp, s => s.On((NetConnection _, in FireMessage m) => messages++));
        var clock = Stopwatch.StartNew();
        long polled = 0;
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < Calls; i += 64)
            {
                for (int j = 0; j < 64; j++)
                {
                    if (rpc)
                    {
                        turret.Server.Fire(Vector2.One, 3);
                    }
                    else
                    {
                        var m = new FireMessage { Turret = turret.Id.Value, Aim = Vector2.One, Power = 3 };
                        client.Send(in m);
                    }
                }

                client.Flush();
            }

            calls += Calls;
            Thread.Sleep(30);
            long start = Stopwatch.GetTimestamp();
            while ((rpc ? serverTurret.Fired : messages) < calls)
            {
                server.Poll();
            }

            polled += Stopwatch.GetTimestamp() - start;
        }

        Console.WriteLine($"{polled * 1e9 / Stopwatch.Frequency / calls:N1} ns a call in Poll()");
        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Round-trip latency, message ping-pong against <c>await turret.Server.Echo(n)</c>, taken alternately (one of
    /// each, then again) so that both see the same machine: on two shared cores a BenchmarkDotNet run of one after
    /// the other measured the scheduler's mood as much as the calls (error bars of ±10 µs on 40 µs). The server
    /// polls flat out on its own thread, as in the BenchmarkDotNet round trips.
    /// </summary>
    public static void RoundTrips(NetTransport transport, int samples)
    {
        (NetServer server, NetClient client, _, Turret turret) = Connect(transport, s => s.On((NetConnection from, in Ping p) => from.Send(in p)));
        int pong = 0;
        client.On((NetConnection _, in Ping p) => pong = p.Value);
        var poller = new Poller(server, spin: true);
        var message = new double[samples];
        var rpc = new double[samples];
        for (int i = -samples / 10; i < samples; i++) // a tenth as warm-up, not recorded
        {
            long start = Stopwatch.GetTimestamp();
            int value = pong + 1;
            client.Send(new Ping { Value = value });
            client.Flush();
            var spin = default(SpinWait);
            while (pong != value)
            {
                client.Poll();
                spin.SpinOnce(-1);
            }

            long middle = Stopwatch.GetTimestamp();
            ValueTask<int> call = turret.Server.Echo(value);
            client.Flush();
            spin = default;
            while (!call.IsCompleted)
            {
                client.Poll();
                spin.SpinOnce(-1);
            }

            long end = Stopwatch.GetTimestamp();
            if (call.Result != value)
            {
                throw new InvalidOperationException($"Echo({value}) answered {call.Result}");
            }

            if (i >= 0)
            {
                message[i] = (middle - start) * 1e6 / Stopwatch.Frequency;
                rpc[i] = (end - middle) * 1e6 / Stopwatch.Frequency;
            }
        }

        poller.Dispose();
        Array.Sort(message);
        Array.Sort(rpc);
        double Percentile(double[] sorted, double p) => sorted[(int)(p * (sorted.Length - 1))];
        Console.WriteLine($"{transport}, {samples:N0} of each, alternating:");
        Console.WriteLine($"  message ping-pong p50 {Percentile(message, 0.5):N1} us, p99 {Percentile(message, 0.99):N1} us");
        Console.WriteLine($"  rpc round trip    p50 {Percentile(rpc, 0.5):N1} us, p99 {Percentile(rpc, 0.99):N1} us");
        Console.WriteLine($"  ratio p50 {Percentile(rpc, 0.5) / Percentile(message, 0.5):N2}, p99 {Percentile(rpc, 0.99) / Percentile(message, 0.99):N2}");
        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// BenchmarkDotNet's one-way operations themselves (<see cref="RpcBenchmarks"/>), taken in turn — a message, a
    /// checked message, an RPC, then again, each round starting with the next — so that every kind sees the same
    /// minutes of the machine; then the median time per call of each, and the medians and quartiles of the ratios
    /// within each round. On two shared cores single BenchmarkDotNet runs of the same code gave 0.73x to 1.44x.
    /// With <paramref name="stream"/>, the stream operations instead (a million calls each, two rounds of warm-up).
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="rounds">How many rounds.</param>
    /// <param name="stream">The stream operations (a million calls each) rather than the one-way ones (100,000).</param>
    public static void Paired(NetTransport transport, int rounds, bool stream)
    {
        Thread.CurrentThread.Priority = ThreadPriority.Highest; // as the benchmark thread runs under BenchmarkDotNet
        var bench = new RpcBenchmarks { Transport = transport };
        bench.SetupTicking();
        (string Name, Action Run)[] kinds = stream
            ? [("message", bench.Message_Stream), ("checked message", bench.CheckedMessage_Stream), ("rpc", bench.Rpc_Stream)]
            : [("message", bench.Message_OneWay), ("checked message", bench.CheckedMessage_OneWay), ("rpc", bench.Rpc_OneWay)];
        int calls = stream ? 1_000_000 : 100_000;
        var perCall = new double[kinds.Length][];
        var cpuPerCall = new double[kinds.Length][];
        for (int k = 0; k < kinds.Length; k++)
        {
            perCall[k] = new double[rounds];
            cpuPerCall[k] = new double[rounds];
        }

        using var process = Process.GetCurrentProcess();

        int warmup = stream ? 2 : 20; // rounds of warm-up (tier-1 code), not recorded
        for (int round = -warmup; round < rounds; round++)
        {
            for (int j = 0; j < kinds.Length; j++)
            {
                int k = (j + round + warmup + 1) % kinds.Length;
                process.Refresh();
                TimeSpan cpu = process.TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                kinds[k].Run();
                double ns = (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / calls;
                process.Refresh();
                if (round >= 0)
                {
                    perCall[k][round] = ns;
                    cpuPerCall[k][round] = (process.TotalProcessorTime - cpu).TotalNanoseconds / calls;
                }
            }
        }

        bench.Cleanup();
        Console.WriteLine($"{transport}, {rounds} rounds of {calls:N0} calls of each kind{(stream ? " streamed" : "")}, in turn:");
        for (int k = 0; k < kinds.Length; k++)
        {
            Console.WriteLine($"  {kinds[k].Name,-16} median {Median(perCall[k]):N1} ns a call, {Median(cpuPerCall[k]):N1} ns of the process's CPU time (all threads)");
        }

        Ratios("rpc / message", perCall[2], perCall[0]);
        Ratios("rpc / checked message", perCall[2], perCall[1]);

        void Ratios(string what, double[] over, double[] under)
        {
            double[] ratios = over.Zip(under, (a, b) => a / b).Order().ToArray();
            Console.WriteLine($"  {what,-22} median {ratios[ratios.Length / 2]:N2}, quartiles {ratios[ratios.Length / 4]:N2} and {ratios[3 * ratios.Length / 4]:N2} (per round)");
        }
    }

    /// <summary>
    /// One-way time per call, 100,000 equivalent messages against 100,000 fire-and-forget RPCs, in alternating
    /// rounds (as <see cref="RoundTrips"/>), each round the BenchmarkDotNet operation's shape: a flush every 64, the
    /// server polling at 1 kHz on its own thread, the round ending when the server has run them all.
    /// </summary>
    public static void OneWay(NetTransport transport, int rounds)
    {
        const int calls = 100_000;
        long messages = 0;
        (NetServer server, NetClient client, Turret serverTurret, Turret turret) = Connect(transport, s => s.On((NetConnection _, in FireMessage m) => Volatile.Write(ref messages, messages + 1)));
        var poller = new Poller(server, spin: false);
        var message = new List<double>();
        var rpc = new List<double>();
        for (int round = -2; round < rounds; round++) // two rounds of warm-up, not recorded
        {
            // Which goes first alternates too: whatever one round leaves behind (a backlog in the pipes, a collection
            // due) falls on each kind alike.
            double first = round % 2 == 0 ? Messages() : Rpcs();
            double second = round % 2 == 0 ? Rpcs() : Messages();
            (double m, double r) = round % 2 == 0 ? (first, second) : (second, first);
            if (round >= 0)
            {
                message.Add(m);
                rpc.Add(r);
            }
        }

        poller.Dispose();
        double m50 = Median(message);
        double r50 = Median(rpc);
        Console.WriteLine($"{transport}, one way, {rounds} alternating rounds of {calls:N0}: message {m50:N1} ns, rpc {r50:N1} ns a call (medians), ratio {r50 / m50:N2}");
        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();

        double Messages()
        {
            long start = Stopwatch.GetTimestamp();
            long target = Volatile.Read(ref messages) + calls;
            for (int i = 0; i < calls; i++)
            {
                var m = new FireMessage { Turret = turret.Id.Value, Aim = new Vector2(i, 1), Power = i };
                client.Send(in m);
                if ((i & 63) == 63)
                {
                    client.Poll();
                }
            }

            WaitFor(ref messages, target);
            return (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / calls;
        }

        double Rpcs()
        {
            long start = Stopwatch.GetTimestamp();
            long target = Volatile.Read(ref serverTurret.Fired) + calls;
            for (int i = 0; i < calls; i++)
            {
                turret.Server.Fire(new Vector2(i, 1), i);
                if ((i & 63) == 63)
                {
                    client.Poll();
                }
            }

            WaitFor(ref serverTurret.Fired, target);
            return (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / calls;
        }

        void WaitFor(ref long counter, long target)
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref counter) < target)
            {
                client.Poll();
                spin.SpinOnce(-1);
            }
        }
    }

    /// <summary>A server and a client connected over <paramref name="transport"/>, with a turret the client owns and has spawned.</summary>
    private static (NetServer Server, NetClient Client, Turret ServerTurret, Turret ClientTurret) Connect(NetTransport transport, Action<NetServer> handlers)
    {
        var server = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0, Transport = transport, MaxPacketsPerSecond = 10_000_000 });
        handlers(server);
        server.StartAsync().GetAwaiter().GetResult();
        var client = new NetClient(new NetClientOptions { Transport = transport, MaxPacketsPerSecond = 10_000_000 });
        Task connect = client.ConnectAsync(server.LocalEndPoint);
        while (!connect.IsCompleted)
        {
            server.Poll();
        }

        connect.GetAwaiter().GetResult();
        Turret serverTurret = server.World.Spawn(new Turret(), owner: server.Connections.Single());
        while (client.World.Entities.Count == 0)
        {
            server.World.Publish();
            server.Poll();
            client.Poll();
            Thread.Sleep(1);
        }

        return (server, client, serverTurret, (Turret)client.World.Entities.Single());
    }

    private static void Print(string what, List<(double Message, double Rpc)> samples)
    {
        double message = Median(samples.Select(s => s.Message));
        double rpc = Median(samples.Select(s => s.Rpc));
        double messageLeast = samples.Min(s => s.Message);
        double rpcLeast = samples.Min(s => s.Rpc);
        Console.WriteLine($"{what}: message {message:N1} ns, rpc {rpc:N1} ns, ratio {rpc / message:N2} (median of {samples.Count} rounds of {Calls:N0}); least {messageLeast:N1} and {rpcLeast:N1} ns, ratio {rpcLeast / messageLeast:N2}");
    }

    private static double Median(IEnumerable<double> values)
    {
        List<double> sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
