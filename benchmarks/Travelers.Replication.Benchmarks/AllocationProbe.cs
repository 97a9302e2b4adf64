using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Travelers;

namespace Travelers.Replication.Benchmarks;

/// <summary>
/// <c>--publish-alloc [N]</c>: what allocates in the Publish benchmark's ticks: the bytes of Publish() and of Poll()
/// apart (server thread), and the types the runtime samples as allocated (GCAllocationTick, one event about every
/// 100 KB) on every thread, by thread.
/// </summary>
internal static class AllocationProbe
{
    public static void Run(int ticks)
    {
        foreach (Relevance relevance in Enum.GetValues<Relevance>())
        {
            var b = new PublishBenchmarks { Interest = relevance };
            b.Setup();
            NetServer server = b.Server;
            long publish = 0;
            long poll = 0;
            long change = 0;
            int allocatingTicks = 0;
            long largest = 0;
            int firstAllocating = -1;
            int lastAllocating = -1;
            using var listener = new AllocationListener();
            for (int i = 0; i < ticks; i++)
            {
                long t0 = GC.GetAllocatedBytesForCurrentThread();
                b.Change();
                long t1 = GC.GetAllocatedBytesForCurrentThread();
                server.World.Publish();
                long t2 = GC.GetAllocatedBytesForCurrentThread();
                server.Poll();
                long t3 = GC.GetAllocatedBytesForCurrentThread();
                change += t1 - t0;
                publish += t2 - t1;
                poll += t3 - t2;
                if (t3 - t0 > 0)
                {
                    allocatingTicks++;
                    largest = Math.Max(largest, t3 - t0);
                    if (firstAllocating < 0)
                    {
                        firstAllocating = i;
                    }

                    lastAllocating = i;
                }
            }

            Console.WriteLine($"{relevance}: per tick, server thread: changes {change / (double)ticks:N1} B, Publish() {publish / (double)ticks:N1} B, Poll() {poll / (double)ticks:N1} B; {allocatingTicks} of {ticks} ticks allocated (largest {largest:N0} B, first at tick {firstAllocating}, last at {lastAllocating})");
            int self = Environment.CurrentManagedThreadId;
            foreach (((string type, bool mine), long bytes) in listener.Sampled.OrderByDescending(kv => kv.Value).Take(12))
            {
                Console.WriteLine($"  sampled {(mine ? "server thread" : "other threads"),-14} {type,-70} ~{bytes / 1024.0:N0} KB");
            }

            b.Cleanup();
        }
    }

    private sealed class AllocationListener : EventListener
    {
        private readonly int _thread = Environment.CurrentManagedThreadId;
        private readonly int _osThread = GetOsThread();

        public ConcurrentDictionary<(string Type, bool Mine), long> Sampled { get; } = new();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is not null && e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) && e.Payload is not null)
            {
                int typeAt = e.PayloadNames!.IndexOf("TypeName");
                int amountAt = e.PayloadNames.IndexOf("AllocationAmount64");
                string type = typeAt >= 0 ? e.Payload[typeAt]?.ToString() ?? "?" : "?";
                long amount = amountAt >= 0 ? Convert.ToInt64(e.Payload[amountAt]) : 100_000;
                Sampled.AddOrUpdate((type, e.OSThreadId == _osThread), amount, (_, v) => v + amount);
            }
        }

        private static int GetOsThread() => Environment.CurrentManagedThreadId == 0 ? 0 : (int)GetCurrentOsThreadId();

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "gettid")]
        private static extern int GetCurrentOsThreadId();
    }
}
