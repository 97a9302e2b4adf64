using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Travelers;
using Travelers.Transport.Benchmarks;

// dotnet run -c Release -- --filter '*'   the BenchmarkDotNet run (Travelers against the raw Pipelines loop)
// dotnet run -c Release -- --idle 1000     memory of 1,000 idle connections (both ends in this process)
// dotnet run -c Release -- --smoke         each benchmark once, to check they work
// dotnet run -c Release -- --alloc         what allocates while messages flow, on any thread
// dotnet run -c Release -- --send-cost     the sender's time, Send() against Flush()
// dotnet run -c Release -- --one-way-loop N [raw] the TCP one-way benchmark alone for N seconds (a profiler; CPU per message by thread)
// dotnet run -c Release -- --filter '*Udp*' the UDP BenchmarkDotNet run (Travelers against LiteNetLib and a raw socket loop)
// dotnet run -c Release -- --udp-smoke [N]  each UDP benchmark once (or N times, with one-way rates), to check they work
// dotnet run -c Release -- --udp-send-cost  a Travelers UDP sender's time, Send() against Flush(), against raw sends
// dotnet run -c Release -- --udp-rtt [N]    p50/p99 of N (default 20,000) single UDP round trips per configuration
// dotnet run -c Release -- --udp-one-way-loop N [unreliable|each|reliable|raw|raw-segmented]  a UDP one-way benchmark alone for N seconds (a profiler; CPU per message by thread)
if (args.Length >= 1 && args[0] == "--idle")
{
    return await Idle.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 1000);
}

if (args.Length >= 1 && args[0] == "--one-way-loop")
{
    // For a profiler, or CPU per message by thread: the TCP one-way benchmark (Travelers, or the raw loop) for N seconds.
    var loop = new TcpBenchmarks();
    bool raw = args.Length > 2 && args[2] == "raw";
    if (raw)
    {
        loop.Setup();
    }
    else
    {
        loop.SetupTicking();
    }

    Loops.Run(raw ? loop.Raw_OneWay : loop.Travelers_OneWay, TcpBenchmarks.Messages, args.Length > 1 ? int.Parse(args[1]) : 10);
    loop.Cleanup();
    return 0;
}

if (args.Length >= 1 && args[0] == "--udp-one-way-loop")
{
    // For a profiler, or CPU per message by thread: one of the UDP one-way benchmarks for N seconds, nothing else.
    string which = args.Length > 2 ? args[2] : "unreliable";
    var loop = new UdpBenchmarks();
    Action run = which switch
    {
        "raw" => loop.Raw_OneWay,
        "raw-segmented" => loop.Raw_OneWay_Segmented,
        "reliable" => loop.Travelers_OneWay_ReliableOrdered,
        "each" => loop.Travelers_OneWay_Unreliable_FlushEachDatagram,
        _ => loop.Travelers_OneWay_Unreliable,
    };
    switch (which)
    {
        case "raw":
            loop.SetupRawCount();
            break;
        case "raw-segmented":
            loop.SetupRawCountSegmented();
            break;
        default:
            loop.SetupTravelersTicking();
            break;
    }

    Loops.Run(run, UdpBenchmarks.OneWayMessages, args.Length > 1 ? int.Parse(args[1]) : 10);
    loop.Cleanup();
    return 0;
}

if (args.Length >= 1 && args[0] == "--send-path-loop")
{
    // For a profiler: the UDP send path with no socket (SendPathBenchmarks) for N seconds.
    var path = new SendPathBenchmarks();
    path.Setup();
    bool receive = args.Length > 2 && args[2] == "receive";
    var clock = Stopwatch.StartNew();
    double best = double.MaxValue;
    while (clock.Elapsed.TotalSeconds < (args.Length > 1 ? int.Parse(args[1]) : 10))
    {
        long started = Stopwatch.GetTimestamp();
        if (receive)
        {
            path.UnreliableSentAndReceived();
        }
        else
        {
            path.Unreliable();
        }

        best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalNanoseconds / SendPathBenchmarks.Messages);
    }

    Console.WriteLine($"{(receive ? "send and receive paths" : "send path")}: best {best:N1} ns a message");
    return 0;
}

if (args.Length >= 1 && args[0] == "--send-cost")
{
    await SendCost.RunAsync();
    return 0;
}

if (args.Length >= 1 && args[0] == "--alloc")
{
    AllocationProbe.Run();
    return 0;
}

if (args.Length >= 1 && args[0] == "--udp-smoke")
{
    return UdpHarness.Smoke(args.Length > 1 ? int.Parse(args[1]) : 1);
}

if (args.Length >= 1 && args[0] == "--udp-send-cost")
{
    return UdpHarness.SendCost(args.Length > 1 ? int.Parse(args[1]) : 100_000);
}

if (args.Length >= 1 && args[0] == "--udp-rtt")
{
    return UdpHarness.Rtt(args.Length > 1 ? int.Parse(args[1]) : 20_000, warmup: 2_000);
}

if (args.Length >= 1 && args[0] == "--smoke")
{
    var b = new TcpBenchmarks();
    b.Setup();
    b.Raw_OneWay();
    b.Raw_PingPong();
    b.Cleanup();
    var t = new TcpBenchmarks();
    t.SetupTicking();
    t.Travelers_OneWay();
    t.Cleanup();
    var p = new TcpBenchmarks();
    p.SetupWithServerThread();
    p.Travelers_PingPong();
    p.Cleanup();
    Console.WriteLine("smoke: every benchmark ran once");
    return 0;
}

string artifacts = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(TcpBenchmarks).Assembly).Run(args, DefaultConfig.Instance.WithArtifactsPath(artifacts));
return 0;

/// <summary>What an idle connection costs: GC heap and working set per connection, server and client ends together and apart.</summary>
internal static class Idle
{
    public static async Task<int> RunAsync(int count)
    {
        await using var server = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0 });
        await server.StartAsync();
        var process = Process.GetCurrentProcess();
        (long heap, long ws) Measure()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            process.Refresh();
            return (GC.GetTotalMemory(true), process.WorkingSet64);
        }

        // Warm: one connection, so code and pools are in place before the baseline.
        var warm = new NetClient();
        Task w = warm.ConnectAsync(server.LocalEndPoint);
        while (!w.IsCompleted)
        {
            server.Poll();
        }

        (long heap0, long ws0) = Measure();
        var clients = new List<NetClient>(count);
        for (int i = 0; i < count; i += 50)
        {
            var batch = new List<Task>();
            for (int j = i; j < Math.Min(count, i + 50); j++)
            {
                var client = new NetClient();
                clients.Add(client);
                batch.Add(client.ConnectAsync(server.LocalEndPoint));
            }

            Task all = Task.WhenAll(batch);
            while (!all.IsCompleted)
            {
                server.Poll();
            }

            await all;
        }

        for (int i = 0; i < 10; i++)
        {
            server.Poll();
            await Task.Delay(10);
        }

        (long heap1, long ws1) = Measure();
        Console.WriteLine($"{count} idle connections (both ends in this process: {count} server-side and {count} client-side NetConnections, {2 * count} sockets)");
        Console.WriteLine($"  GC heap:     {(heap1 - heap0) / 1024.0 / 1024:N2} MB total, {(heap1 - heap0) / (2.0 * count) / 1024:N2} KB per connection end");
        Console.WriteLine($"  working set: {(ws1 - ws0) / 1024.0 / 1024:N2} MB total, {(ws1 - ws0) / (2.0 * count) / 1024:N2} KB per connection end");
        Console.WriteLine($"  server connections open: {server.Connections.Count}");
        foreach (NetClient client in clients)
        {
            await client.DisposeAsync();
        }

        await warm.DisposeAsync();
        return 0;
    }
}

/// <summary>CPU time of the calling thread (Linux: /proc/thread-self/stat, in clock ticks of 10 ms), for the loop modes.</summary>
internal static class CpuTime
{
    public static TimeSpan ThisThread()
    {
        string path = "/proc/thread-self/stat";
        if (!File.Exists(path))
        {
            return TimeSpan.Zero;
        }

        string stat = File.ReadAllText(path);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime (fields 14 and 15 of stat)
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>CPU time of this process's threads (live ones) summed by thread name.</summary>
    public static Dictionary<string, TimeSpan> ByThreadName()
    {
        var byName = new Dictionary<string, TimeSpan>();
        if (!Directory.Exists("/proc/self/task"))
        {
            return byName;
        }

        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                string name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                long ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
                byName[name] = byName.GetValueOrDefault(name) + TimeSpan.FromMilliseconds(ticks * 10);
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return byName;
    }
}

/// <summary>The loop modes' common part: runs an operation for a number of seconds, then prints the rate and the CPU per message by thread.</summary>
internal static class Loops
{
    public static void Run(Action operation, int messagesPerOperation, int seconds)
    {
        Dictionary<string, TimeSpan> threads0 = CpuTime.ByThreadName();
        TimeSpan processCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        TimeSpan threadCpu0 = CpuTime.ThisThread();
        var clock = Stopwatch.StartNew();
        long operations = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            operation();
            operations++;
        }

        double messages = (double)operations * messagesPerOperation;
        double processNs = (Process.GetCurrentProcess().TotalProcessorTime - processCpu0).TotalNanoseconds / messages;
        double threadNs = (CpuTime.ThisThread() - threadCpu0).TotalNanoseconds / messages;
        Console.WriteLine($"{messages / clock.Elapsed.TotalSeconds / 1e6:N2} M messages/s over {clock.Elapsed.TotalSeconds:N1} s; CPU per message: {processNs:N0} ns in all, {threadNs:N0} ns on the sending thread");
        foreach ((string name, TimeSpan cpu) in CpuTime.ByThreadName())
        {
            double ns = (cpu - threads0.GetValueOrDefault(name)).TotalNanoseconds / messages;
            if (ns >= 1)
            {
                Console.WriteLine($"  {name,-20} {ns,6:N0} ns");
            }
        }
    }
}
