using Spectre.Console;

namespace Arena;

/// <summary>Shows the figures once a second: a live table on a terminal, a line per second otherwise.</summary>
public static class Display
{
    public static async Task RunAsync(Func<Figures.Sample?> sample, string side, CancellationToken stop)
    {
        var meter = new Figures.ProcessMeter();
        Figures.Sample? previous = null;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        bool live = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

        async Task Loop(Action<IReadOnlyList<(string, string)>> show)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    Figures.Sample? now = sample();
                    if (now is null || ReferenceEquals(now, previous))
                    {
                        continue;
                    }

                    if (previous is not null)
                    {
                        show(Rows(previous, now, side, meter));
                    }

                    previous = now;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (live)
        {
            await AnsiConsole.Live(table).StartAsync(async context => await Loop(rows =>
            {
                table.Rows.Clear();
                foreach ((string name, string value) in rows)
                {
                    table.AddRow(name, value);
                }

                context.Refresh();
            }));
        }
        else
        {
            await Loop(rows => Console.WriteLine(string.Join(" | ", rows.Select(r => $"{r.Item1} {r.Item2}"))));
        }
    }

    private static List<(string, string)> Rows(Figures.Sample a, Figures.Sample b, string side, Figures.ProcessMeter meter)
    {
        double seconds = Math.Max(0.001, (b.At - a.At).TotalSeconds);
        int clients = Math.Max(1, b.Clients);
        // Sums over the open connections: one that closes takes its counters with it, so a second in which clients
        // leave shows a low rate, never a negative one.
        string Rate(long from, long to) => $"{Math.Max(0, to - from) / seconds:N0}";
        string Bytes(long from, long to) => $"{Math.Max(0, to - from) / seconds / 1024:N1} KB";
        long snapshotBytes = b.SnapshotBytes - a.SnapshotBytes;
        var rows = new List<(string, string)>
        {
            ("clients", $"{b.Clients:N0}"),
            ($"messages/s in ({side})", Rate(a.MessagesIn, b.MessagesIn)),
            ($"messages/s out ({side})", Rate(a.MessagesOut, b.MessagesOut)),
            ("bytes/s in", Bytes(a.BytesIn, b.BytesIn)),
            ("bytes/s out", Bytes(a.BytesOut, b.BytesOut)),
            ("packets/s in / out", $"{Rate(a.PacketsIn, b.PacketsIn)} / {Rate(a.PacketsOut, b.PacketsOut)}"),
        };
        if (side == "server")
        {
            long publishes = b.Publishes - a.Publishes;
            rows.Add(("players (entities)", $"{b.Entities:N0}"));
            rows.Add(("snapshot bytes/s per client", $"{snapshotBytes / seconds / clients:N0} B"));
            rows.Add(("snapshot per client per publish", publishes == 0
                ? "-"
                : $"{(double)snapshotBytes / publishes / clients:N1} B (last {(double)b.LastPublishBytes / clients:N1} B)"));
            rows.Add(("publishes/s, snapshot parts/s", $"{publishes / seconds:N0}, {Rate(a.SnapshotParts, b.SnapshotParts)}"));
            rows.Add(("held back by the budget (last publish)", $"{b.LastPublishDeferred:N0} records"));
            rows.Add(("falls/s", $"{(b.Falls - a.Falls) / seconds:N1}"));
            rows.Add(("shots/s (server RPC), hits/s", $"{(b.Shots - a.Shots) / seconds:N1}, {(b.Hits - a.Hits) / seconds:N1}"));
        }
        else
        {
            long parts = b.SnapshotParts - a.SnapshotParts;
            rows.Add(("players in view per bot", $"{(double)b.Entities / clients:N1}"));
            rows.Add(("snapshot bytes/s per bot", $"{snapshotBytes / seconds / clients:N0} B"));
            rows.Add(("snapshot part size avg", parts == 0 ? "-" : $"{(double)snapshotBytes / parts:N1} B"));
            rows.Add(("interpolation delay avg", $"{b.InterpolationDelayMs:N1} ms"));
            rows.Add(("hits taken/s (owner RPC)", $"{(b.Hits - a.Hits) / seconds:N1}"));
        }

        rows.Add(("RTT p50 / p99", $"{b.RttP50Ms:N2} / {b.RttP99Ms:N2} ms"));
        if (side == "server")
        {
            rows.Add(("server tick avg / max", $"{b.TickAvgMs:N3} / {b.TickMaxMs:N3} ms"));
            rows.Add(("Publish per call avg / max", $"{b.PublishAvgMs:N3} / {b.PublishMaxMs:N3} ms"));
        }

        rows.Add(("process CPU (% of a core)", $"{meter.CpuPercent():N1}%"));
        rows.Add(("memory: GC heap / working set", $"{Figures.ProcessMeter.GcHeapMb:N1} / {meter.WorkingSetMb:N1} MB"));
        return rows;
    }
}
