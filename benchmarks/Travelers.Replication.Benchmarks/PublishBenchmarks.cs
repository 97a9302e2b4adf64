using System.Diagnostics;
using System.Numerics;
using BenchmarkDotNet.Attributes;
using Travelers;

namespace Travelers.Replication.Benchmarks;

/// <summary>Who sees what in <see cref="PublishBenchmarks"/>.</summary>
public enum Relevance
{
    /// <summary>No interest position: every entity is relevant to every client.</summary>
    All,

    /// <summary>The default <see cref="GridInterest"/> (radius 256) over entities spread on a square of <see cref="PublishBenchmarks.GridSide"/> m: about a quarter relevant per client.</summary>
    Grid,
}

/// <summary>
/// The server's cost of one tick: 1,000 entities, a tenth of them changing each tick, 100 clients connected over
/// UDP loopback in this process. The measured method changes 100 entities (a different tenth each tick), then
/// calls <c>World.Publish()</c> and <c>Poll()</c>. A background thread polls the clients every 10 ms (they stand
/// in for remote machines, and take CPU from the same 2 cores).
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs ticks back to back, much faster than 60 Hz; the per-client budget is time-based, so it is
/// raised to <see cref="BudgetBytesPerSecond"/> for every tick to carry its 100 changes, as the default 64 KB/s
/// does at 60 Hz (100 records of about 6 bytes = 36 KB/s).
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class PublishBenchmarks
{
    public const int EntityCount = 1000;
    public const int ClientCount = 100;
    public const int ChangedPerTick = 100;
    public const int BudgetBytesPerSecond = 64 * 1024 * 1024;
    public const int WarmTicks = 1100;

    /// <summary>The side of the square the entities are spread on in <see cref="Relevance.Grid"/>: with the view radius 256 about 25% are relevant per client.</summary>
    public const float GridSide = 780f;

    private NetServer _server = null!;
    private NetClient[] _clients = [];
    private Player[] _players = [];
    private Vector3[] _homes = [];
    private Thread? _poller;
    private volatile bool _stop;
    private int _round;

    [Params(Relevance.All, Relevance.Grid)]
    public Relevance Interest { get; set; }

    /// <summary>Entities each client holds, on average, once warm (printed by the setup).</summary>
    public double MeanRelevant { get; private set; }

    public NetServer Server => _server;

    [GlobalSetup]
    public void Setup()
    {
        _server = Rig.StartServerAsync(BudgetBytesPerSecond).GetAwaiter().GetResult();
        _clients = Rig.Connect(_server, ClientCount);

        // Clients look from the points of a 10 x 10 grid over the square (Grid); with All it does not matter.
        var views = new Vector3[ClientCount];
        for (int i = 0; i < ClientCount; i++)
        {
            views[i] = new Vector3((((i % 10) + 0.5f) / 10 - 0.5f) * GridSide, 0, (((i / 10) + 0.5f) / 10 - 0.5f) * GridSide);
            Rig.ConnectionOf(_server, _clients[i]).ViewPosition = views[i];
        }

        var random = new Random(1);
        bool located = Interest == Relevance.Grid;
        _players = new Player[EntityCount];
        _homes = new Vector3[EntityCount];
        for (int i = 0; i < EntityCount; i++)
        {
            _homes[i] = located
                ? new Vector3((random.NextSingle() - 0.5f) * GridSide, 0, (random.NextSingle() - 0.5f) * GridSide)
                : new Vector3((random.NextSingle() - 0.5f) * 100, 0, (random.NextSingle() - 0.5f) * 100);
            _players[i] = _server.World.Spawn(new Player { Located = located, Position = _homes[i], Health = 100, Score = i });
        }

        // What each client should hold: the entities within the view radius (no entity moves more than 0.25 m).
        var expected = new int[ClientCount];
        for (int c = 0; c < ClientCount; c++)
        {
            expected[c] = located ? _homes.Count(h => Vector3.Distance(h, views[c]) <= 256f) : EntityCount;
        }

        MeanRelevant = expected.Average();

        // Warm: publish at about 60 Hz, everyone polled on this thread, until every client holds all its entities.
        var clock = new TickClock(60);
        bool Warm() => _clients.Select((c, i) => c.World.Entities.Count == expected[i]).All(x => x);
        bool warm = Rig.Until(
            Warm,
            TimeSpan.FromSeconds(60),
            () =>
            {
                clock.Wait(PollAll);
                _server.World.Publish();
            });
        if (!warm)
        {
            int[] held = _clients.Select(c => c.World.Entities.Count).ToArray();
            throw new InvalidOperationException($"The clients did not get their entities within 60 s: they hold {string.Join(",", held.Take(10))}... expected {string.Join(",", expected.Take(10))}...");
        }

        // Rounds of the benchmark's own changes, polled here, so baselines, pools and queues are at their working size:
        // more than 1,024 ticks, as each UDP link fills its window of 1,024 sent-packet records lazily (one datagram
        // or more per client per tick), which would otherwise count as the first thousand ticks' allocations.
        for (int i = 0; i < WarmTicks; i++)
        {
            Tick();
            PollAll();
        }

        Console.WriteLine($"// setup: {Interest}: {ClientCount} clients hold {MeanRelevant:N1} of {EntityCount} entities on average; server tick {_server.World.Tick}");
        _stop = false;
        _poller = new Thread(PollClients) { IsBackground = true, Name = "client poller" };
        _poller.Start();
    }

    /// <summary>One server tick: 100 entities change (a different tenth each tick), then Publish() and Poll().</summary>
    [Benchmark]
    public void Tick()
    {
        Change();
        _server.World.Publish();
        _server.Poll();
    }

    /// <summary>The tick's changes: 100 entities move 0.25 m along x (or back), their health and score change.</summary>
    public void Change()
    {
        int first = (_round % 10) * ChangedPerTick;
        float offset = (_round / 10) % 2 == 0 ? 0.25f : 0f;
        for (int i = first; i < first + ChangedPerTick; i++)
        {
            Player player = _players[i];
            player.Position = _homes[i] + new Vector3(offset, 0, 0);
            player.Health = 50 + offset * 20;
            player.Score++;
        }

        _round++;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _poller?.Join();

        // What the measured ticks did, so that a run whose clients had stopped taking snapshots shows for what it is.
        NetWorldStatistics world = _server.World.Statistics;
        int connected = _server.Connections.Count(c => c.IsConnected);
        Console.WriteLine($"// cleanup: {Interest}: {connected} of {ClientCount} clients connected; last publish {world.LastPublishBytes / (double)Math.Max(connected, 1):N0} bytes per client; {world.BytesSent / Math.Max(_server.World.Tick, 1) / ClientCount:N0} bytes per client per tick over the run");
        Rig.Close(_server, _clients);
    }

    private void PollAll()
    {
        _server.Poll();
        foreach (NetClient client in _clients)
        {
            client.Poll();
        }
    }

    private void PollClients()
    {
        while (!_stop)
        {
            foreach (NetClient client in _clients)
            {
                client.Poll();
            }

            Thread.Sleep(10);
        }
    }

    /// <summary>
    /// Outside BenchmarkDotNet: <paramref name="ticks"/> ticks timed one by one with a Stopwatch, and the bytes the
    /// server thread allocated (GC.GetAllocatedBytesForCurrentThread) apart from those of every thread.
    /// </summary>
    public static void Probe(int ticks, Relevance? only = null)
    {
        foreach (Relevance relevance in Enum.GetValues<Relevance>())
        {
            if (only is { } wanted && wanted != relevance)
            {
                continue;
            }

            var b = new PublishBenchmarks { Interest = relevance };
            long setupStarted = Stopwatch.GetTimestamp();
            b.Setup();
            double setupSeconds = Stopwatch.GetElapsedTime(setupStarted).TotalSeconds;
            var times = new double[ticks];
            double publishMs = 0;
            double pollMs = 0;
            long threadAllocated = 0;
            long parts0 = b.Server.World.Statistics.PartsSent;
            long bytes0 = b.Server.World.Statistics.BytesSent;
            long allAllocated0 = GC.GetTotalAllocatedBytes(true);
            for (int i = 0; i < ticks; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                long started = Stopwatch.GetTimestamp();
                b.Change();
                long publishing = Stopwatch.GetTimestamp();
                b.Server.World.Publish();
                long polling = Stopwatch.GetTimestamp();
                b.Server.Poll();
                long done = Stopwatch.GetTimestamp();
                times[i] = Stopwatch.GetElapsedTime(started, done).TotalMilliseconds;
                publishMs += Stopwatch.GetElapsedTime(publishing, polling).TotalMilliseconds;
                pollMs += Stopwatch.GetElapsedTime(polling, done).TotalMilliseconds;
                threadAllocated += GC.GetAllocatedBytesForCurrentThread() - before;
            }

            long allAllocated = GC.GetTotalAllocatedBytes(true) - allAllocated0;
            NetWorldStatistics stats = b.Server.World.Statistics;
            Array.Sort(times);
            Console.WriteLine(
                $"Publish {relevance}: {ticks} ticks, mean {times.Average():N3} ms (Publish() {publishMs / ticks:N3}, Poll() {pollMs / ticks:N3}), p50 {times[ticks / 2]:N3} ms, p90 {times[(int)(ticks * 0.9)]:N3} ms, max {times[^1]:N3} ms; " +
                $"server thread allocated {threadAllocated / (double)ticks:N1} B/tick (all threads {allAllocated / (double)ticks:N0} B/tick); " +
                $"{(stats.PartsSent - parts0) / (double)ticks / ClientCount:N2} parts and {(stats.BytesSent - bytes0) / (double)ticks / ClientCount:N0} snapshot bytes per client per tick; " +
                $"clients hold {b.MeanRelevant:N1} entities on average; setup {setupSeconds:N1} s");
            b.Cleanup();
        }
    }
}
