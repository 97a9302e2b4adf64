using BenchmarkDotNet.Running;
using Travelers.Rpc.Benchmarks;

// dotnet run -c Release -- --filter '*'   the BenchmarkDotNet run: [Rpc] against the equivalent [NetMessage], TCP and UDP
// dotnet run -c Release -- --smoke        each case a few times, to check they work (seconds)
// dotnet run -c Release -- --cost [N]     the caller's and the server's time per call, RPC against message (TCP, N rounds)
// dotnet run -c Release -- --rtt [tcp|udp] [N]  round-trip latency p50/p99, message ping-pong and RPC alternately, N of each
// dotnet run -c Release -- --one-way [tcp|udp] [R]  time per call one way, R rounds of messages and of RPCs alternately
// dotnet run -c Release -- --paired [tcp|udp] [R] [--stream]  BenchmarkDotNet's one-way (or stream) operations in turn, R rounds: medians and ratios
// dotnet run -c Release -- --send-floor [S]       the caller's fastest frames of 64 calls, message and RPC in turn, S seconds
// dotnet run -c Release -- --cost-loop rpc|message [S]  the caller's side alone for S seconds, for a profiler
// dotnet run -c Release -- --dispatch-loop rpc|message [S]  the server's dispatch alone for S seconds, for a profiler
if (args.Length >= 1 && args[0] == "--rtt")
{
    // dotnet run -c Release -- --rtt [tcp|udp] [N]: message ping-pong and RPC round trip alternately, N of each
    CostProbe.RoundTrips(
        args.Length > 1 && args[1] == "udp" ? Travelers.NetTransport.Udp : Travelers.NetTransport.Tcp,
        args.Length > 2 ? int.Parse(args[2]) : 20_000);
    return 0;
}

if (args.Length >= 1 && args[0] == "--paired")
{
    // dotnet run -c Release -- --paired [tcp|udp] [R] [--stream]: BenchmarkDotNet's one-way operations (or its streams), R rounds of each in turn
    bool stream = args.Contains("--stream");
    CostProbe.Paired(
        args.Length > 1 && args[1] == "udp" ? Travelers.NetTransport.Udp : Travelers.NetTransport.Tcp,
        args.Length > 2 && int.TryParse(args[2], out int rounds) ? rounds : stream ? 30 : 200,
        stream);
    return 0;
}

if (args.Length >= 1 && args[0] == "--one-way")
{
    // dotnet run -c Release -- --one-way [tcp|udp] [R]: R rounds of messages and of RPCs, alternately
    CostProbe.OneWay(
        args.Length > 1 && args[1] == "udp" ? Travelers.NetTransport.Udp : Travelers.NetTransport.Tcp,
        args.Length > 2 ? int.Parse(args[2]) : 30);
    return 0;
}

if (args.Length >= 1 && args[0] == "--send-floor")
{
    // dotnet run -c Release -- --send-floor [S]: the caller's fastest frames, message and RPC in turn, for S seconds
    CostProbe.SendFloor(args.Length > 1 ? int.Parse(args[1]) : 20);
    return 0;
}

if (args.Length >= 1 && args[0] == "--cost-loop")
{
    // For a profiler: dotnet run -c Release -- --cost-loop rpc|message N
    CostProbe.Loop(args.Length > 1 && args[1] == "rpc", args.Length > 2 ? int.Parse(args[2]) : 10);
    return 0;
}

if (args.Length >= 1 && args[0] == "--dispatch-loop")
{
    // For a profiler: dotnet run -c Release -- --dispatch-loop rpc|message S
    CostProbe.DispatchLoop(args.Length > 1 && args[1] == "rpc", args.Length > 2 ? int.Parse(args[2]) : 10);
    return 0;
}

if (args.Length >= 1 && args[0] == "--cost")
{
    CostProbe.Run(args.Length > 1 ? int.Parse(args[1]) : 21);
    return 0;
}

if (args.Length >= 1 && args[0] == "--smoke")
{
    foreach (Travelers.NetTransport transport in new[] { Travelers.NetTransport.Tcp, Travelers.NetTransport.Udp })
    {
        var one = new RpcBenchmarks { Transport = transport };
        one.SetupTicking();
        one.Message_OneWay();
        one.ArgumentsOnly_OneWay();
        one.CheckedMessage_OneWay();
        one.Rpc_OneWay();
        one.Message_Stream();
        one.CheckedMessage_Stream();
        one.Rpc_Stream();
        one.Cleanup();
        var two = new RpcBenchmarks { Transport = transport };
        two.SetupSpinning();
        for (int i = 0; i < 100; i++)
        {
            two.Message_PingPong();
            two.Rpc_RoundTrip();
        }

        two.Cleanup();
        Console.WriteLine($"{transport}: ok");
    }

    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(RpcBenchmarks).Assembly).Run(args);
return 0;
