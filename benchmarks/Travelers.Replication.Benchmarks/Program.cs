using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Travelers.Replication.Benchmarks;

// Entity replication. Everything runs in this process over UDP loopback (127.0.0.1).
//
// dotnet run -c Release -- --filter '*Publish*'  BenchmarkDotNet: the server's cost of one tick (change 100 of 1,000
//                                                entities, World.Publish(), Poll()) with 100 clients connected, every
//                                                entity relevant to every client (Interest=All) or the default
//                                                GridInterest with about 25% relevant per client (Interest=Grid).
//                                                Target: at most 3 ms per tick, 0 B allocated.
// dotnet run -c Release -- --publish-probe [N] [All|Grid]  the same ticks outside BenchmarkDotNet, N (default 1,000)
//                                                timed one by one: p50/p90/max, Publish() and Poll() apart, bytes allocated
//                                                by the server's thread alone, parts and bytes per client per tick.
// dotnet run -c Release -- --publish-alloc [N]   what allocates in those ticks: Publish() and Poll() apart on the
//                                                server's thread, and the types sampled (GCAllocationTick) by thread.
// dotnet run -c Release -- --cubes [seconds]     the scene of Glenn Fiedler's "Snapshot Compression": 901 cubes (900 at
//                                                rest on a grid, one player pushing them), 60 Hz in real time to one
//                                                client for `seconds` (default 20): kbit/s against the uncompressed
//                                                17.37 Mbit/s and the article's 256 kbit/s target, the fraction of cubes
//                                                moving, and the client's position and orientation error.
// dotnet run -c Release -- --idle [entities]     an idle world (default 1,000 entities, no changes) with 10 clients:
//                                                snapshot and wire bytes per client per tick. Target: < 100.
// dotnet run -c Release -- --smoke               each of the above briefly (20 ticks of each Publish benchmark, cubes
//                                                3 s, idle 1 s), to check they work; exit code 0.
//
// --cubes and --idle also take `--history N`: NetWorldOptions.SnapshotHistory (default 32), to see how the bytes depend
// on it; --cubes takes `--speed V` (the player's speed, default 3.5 m/s) and `--friction A` (default 3 m/s²) to make the
// scene busier or calmer (more or fewer cubes moving). Tracing: IDLE_TRACE=1 prints each idle tick's LastPublishBytes;
// CUBES_TRACE=1 prints every cube the client holds other than the server's value quantized, and every sample skipped.
int? history = (int?)Option("--history");
double? speed = Option("--speed");
double? friction = Option("--friction");
if (args.Length >= 1 && args[0] == "--cubes")
{
    return CubeScene.Run(
        args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 20,
        history,
        (float)(speed ?? CubeSimulation.DefaultPlayerSpeed),
        (float)(friction ?? CubeSimulation.DefaultDeceleration));
}

if (args.Length >= 1 && args[0] == "--idle")
{
    return IdleScene.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000, settleSeconds: 2, history);
}

if (args.Length >= 1 && args[0] == "--publish-probe")
{
    PublishBenchmarks.Probe(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000, args.Length > 2 ? Enum.Parse<Relevance>(args[2], ignoreCase: true) : null);
    return 0;
}

if (args.Length >= 1 && args[0] == "--publish-alloc")
{
    AllocationProbe.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000);
    return 0;
}

if (args.Length >= 1 && args[0] == "--smoke")
{
    PublishBenchmarks.Probe(20);
    CubeScene.Run(3);
    IdleScene.Run(1000, settleSeconds: 1);
    Console.WriteLine("smoke: every mode ran");
    return 0;
}

string artifacts = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(PublishBenchmarks).Assembly).Run(args, DefaultConfig.Instance.WithArtifactsPath(artifacts));
return 0;

// Takes `name value` out of args, returning the value.
double? Option(string name)
{
    int at = Array.IndexOf(args, name);
    if (at < 0 || at + 1 >= args.Length)
    {
        return null;
    }

    double value = double.Parse(args[at + 1], CultureInfo.InvariantCulture);
    args = [.. args[..at], .. args[(at + 2)..]];
    return value;
}
