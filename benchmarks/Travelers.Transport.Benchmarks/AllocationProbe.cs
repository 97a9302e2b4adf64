using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Travelers.Transport.Benchmarks;

/// <summary>
/// <c>-- --alloc</c>: which types are allocated while messages flow, on any thread, from the runtime's
/// allocation-tick events (one event per ~100 KB allocated, with the type that crossed the mark).
/// </summary>
internal sealed class AllocationProbe : EventListener
{
    private readonly ConcurrentDictionary<string, int> _ticks = new();

    public IReadOnlyDictionary<string, int> Ticks => _ticks;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && e.Payload is { } payload)
        {
            int index = e.PayloadNames!.IndexOf("TypeName");
            string type = index >= 0 ? payload[index] as string ?? "?" : "?";
            _ticks.AddOrUpdate(type, 1, (_, n) => n + 1);
        }
    }

    public static void Run()
    {
        var b = new TcpBenchmarks();
        b.SetupWithServerThread();
        for (int i = 0; i < 50; i++)
        {
            b.Travelers_OneWay();
        }

        using var probe = new AllocationProbe();
        long before = GC.GetTotalAllocatedBytes(true);
        for (int i = 0; i < 100; i++)
        {
            b.Travelers_OneWay();
        }

        long bytes = GC.GetTotalAllocatedBytes(true) - before;
        Console.WriteLine($"one way: {bytes:N0} bytes for 10,000,000 messages ({bytes / 10_000_000.0:N2} B/message), all threads");
        foreach ((string type, int n) in probe.Ticks.OrderByDescending(p => p.Value))
        {
            Console.WriteLine($"  {n,5} x ~100 KB  {type}");
        }

        using var pingProbe = new AllocationProbe();
        for (int i = 0; i < 2000; i++)
        {
            b.Travelers_PingPong();
        }

        before = GC.GetTotalAllocatedBytes(true);
        for (int i = 0; i < 20_000; i++)
        {
            b.Travelers_PingPong();
        }

        bytes = GC.GetTotalAllocatedBytes(true) - before;
        Console.WriteLine($"ping-pong: {bytes:N0} bytes for 20,000 round trips ({bytes / 20_000.0:N2} B/round trip), all threads");
        foreach ((string type, int n) in pingProbe.Ticks.OrderByDescending(p => p.Value))
        {
            Console.WriteLine($"  {n,5} x ~100 KB  {type}");
        }

        b.Cleanup();
    }
}
