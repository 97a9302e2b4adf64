using System.Diagnostics;
using Travelers;

namespace Arena;

/// <summary>The live figures: counters summed over the server's connections, sampled once a second on the server's thread.</summary>
public static class Figures
{
    /// <summary>One sample of the server's totals.</summary>
    public sealed record Sample(
        DateTime At,
        int Clients,
        long MessagesIn,
        long MessagesOut,
        long BytesIn,
        long BytesOut,
        double RttP50Ms,
        double RttP99Ms,
        double TickAvgMs,
        double TickMaxMs);

    /// <summary>Sums the server's connections now. Call on the server's polling thread.</summary>
    public static Sample Take(NetServer server, TickTimes ticks)
    {
        long messagesIn = 0, messagesOut = 0, bytesIn = 0, bytesOut = 0;
        var rtts = new List<double>(server.Connections.Count);
        foreach (NetConnection connection in server.Connections)
        {
            ConnectionStatistics s = connection.Statistics;
            messagesIn += s.MessagesReceived;
            messagesOut += s.MessagesSent;
            bytesIn += s.BytesReceived;
            bytesOut += s.BytesSent;
            if (connection.Rtt > TimeSpan.Zero)
            {
                rtts.Add(connection.Rtt.TotalMilliseconds);
            }
        }

        rtts.Sort();
        (double avg, double max) = ticks.TakeAndReset();
        return new Sample(DateTime.UtcNow, server.Connections.Count, messagesIn, messagesOut, bytesIn, bytesOut,
            Percentile(rtts, 0.50), Percentile(rtts, 0.99), avg, max);
    }

    /// <summary>The value at fraction <paramref name="p"/> of a sorted list, or 0 when empty.</summary>
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>The server's tick durations since the last sample.</summary>
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
