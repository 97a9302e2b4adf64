using System.Diagnostics;
using Travelers;

namespace Arena;

/// <summary>The live figures: counters summed over the server's connections (or the bots'), sampled once a second on the thread that polls them.</summary>
public static class Figures
{
    /// <summary>One sample of the totals; rates are the differences between two samples.</summary>
    public sealed record Sample
    {
        public DateTime At { get; init; } = DateTime.UtcNow;

        public int Clients { get; init; }

        public long MessagesIn { get; init; }

        public long MessagesOut { get; init; }

        /// <summary>Bytes handed to or read from the sockets, Travelers' headers included: messages and snapshots.</summary>
        public long BytesIn { get; init; }

        public long BytesOut { get; init; }

        /// <summary>Datagrams (UDP) or socket reads and writes (TCP).</summary>
        public long PacketsIn { get; init; }

        public long PacketsOut { get; init; }

        public double RttP50Ms { get; init; }

        public double RttP99Ms { get; init; }

        /// <summary>Server: the tick (Poll, simulation, Publish) since the last sample.</summary>
        public double TickAvgMs { get; init; }

        public double TickMaxMs { get; init; }

        /// <summary>Server: <see cref="NetWorld.Publish"/> alone since the last sample.</summary>
        public double PublishAvgMs { get; init; }

        public double PublishMaxMs { get; init; }

        /// <summary>Server: Publish calls so far.</summary>
        public long Publishes { get; init; }

        /// <summary>Server: entities in the world. Bots: copies held, all bots together.</summary>
        public long Entities { get; init; }

        /// <summary>Snapshot bytes sent to all clients (server) or received by all bots, transport headers not included.</summary>
        public long SnapshotBytes { get; init; }

        /// <summary>Snapshot parts (a part is a datagram, or a frame over TCP) sent or received.</summary>
        public long SnapshotParts { get; init; }

        /// <summary>Server: snapshot bytes of the last Publish, all clients together.</summary>
        public long LastPublishBytes { get; init; }

        /// <summary>Server: records the budget held back in the last Publish, all clients together (0: the budget is enough).</summary>
        public long LastPublishDeferred { get; init; }

        /// <summary>Server: players that fell (health 0) so far.</summary>
        public long Falls { get; init; }

        /// <summary>Server: Fire RPCs run so far.</summary>
        public long Shots { get; init; }

        /// <summary>Server: shots that hit so far. Bots: hits their players took, learned through the Hit RPC.</summary>
        public long Hits { get; init; }

        /// <summary>Bots: the average of their interpolation delays (render time behind server time).</summary>
        public double InterpolationDelayMs { get; init; }
    }

    /// <summary>Sums the server's connections and reads its world now. Call on the server's polling thread.</summary>
    public static Sample Take(NetServer server, TickTimes ticks, TickTimes publishes, long publishCount, long falls, long shots, long hits)
    {
        long messagesIn = 0, messagesOut = 0, bytesIn = 0, bytesOut = 0, packetsIn = 0, packetsOut = 0;
        var rtts = new List<double>(server.Connections.Count);
        foreach (NetConnection connection in server.Connections)
        {
            ConnectionStatistics s = connection.Statistics;
            messagesIn += s.MessagesReceived;
            messagesOut += s.MessagesSent;
            bytesIn += s.BytesReceived;
            bytesOut += s.BytesSent;
            packetsIn += s.PacketsReceived;
            packetsOut += s.PacketsSent;
            if (connection.Rtt > TimeSpan.Zero)
            {
                rtts.Add(connection.Rtt.TotalMilliseconds);
            }
        }

        rtts.Sort();
        (double tickAvg, double tickMax) = ticks.TakeAndReset();
        (double publishAvg, double publishMax) = publishes.TakeAndReset();
        NetWorldStatistics world = server.World.Statistics;
        return new Sample
        {
            Clients = server.Connections.Count,
            MessagesIn = messagesIn,
            MessagesOut = messagesOut,
            BytesIn = bytesIn,
            BytesOut = bytesOut,
            PacketsIn = packetsIn,
            PacketsOut = packetsOut,
            RttP50Ms = Percentile(rtts, 0.50),
            RttP99Ms = Percentile(rtts, 0.99),
            TickAvgMs = tickAvg,
            TickMaxMs = tickMax,
            PublishAvgMs = publishAvg,
            PublishMaxMs = publishMax,
            Publishes = publishCount,
            Entities = world.Entities,
            SnapshotBytes = world.BytesSent,
            SnapshotParts = world.PartsSent,
            LastPublishBytes = world.LastPublishBytes,
            LastPublishDeferred = world.LastPublishDeferred,
            Falls = falls,
            Shots = shots,
            Hits = hits,
        };
    }

    /// <summary>The value at fraction <paramref name="p"/> of a sorted list, or 0 when empty.</summary>
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>Durations since the last sample: average and maximum.</summary>
    public sealed class TickTimes
    {
        private double _sumMs;
        private double _maxMs;
        private int _count;

        public void Add(TimeSpan tick)
        {
            _sumMs += tick.TotalMilliseconds;
            _maxMs = Math.Max(_maxMs, tick.TotalMilliseconds);
            _count++;
        }

        public (double Average, double Max) TakeAndReset()
        {
            (double, double) result = (_count == 0 ? 0 : _sumMs / _count, _maxMs);
            _sumMs = 0;
            _maxMs = 0;
            _count = 0;
            return result;
        }
    }

    /// <summary>This process's CPU time and memory, for rates between two readings.</summary>
    public sealed class ProcessMeter
    {
        private readonly Process _process = Process.GetCurrentProcess();
        private TimeSpan _cpu;
        private long _at = Stopwatch.GetTimestamp();

        /// <summary>CPU used since the last call, as a percentage of one core.</summary>
        public double CpuPercent()
        {
            _process.Refresh();
            TimeSpan cpu = _process.TotalProcessorTime;
            double wall = Stopwatch.GetElapsedTime(_at).TotalMilliseconds;
            double percent = wall <= 0 ? 0 : (cpu - _cpu).TotalMilliseconds / wall * 100;
            _cpu = cpu;
            _at = Stopwatch.GetTimestamp();
            return percent;
        }

        public double WorkingSetMb => _process.WorkingSet64 / (1024.0 * 1024.0);

        public static double GcHeapMb => GC.GetTotalMemory(false) / (1024.0 * 1024.0);
    }
}
