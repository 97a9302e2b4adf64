using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Reports;

namespace Travelers.Benchmarks;

/// <summary>
/// After the run: the issue's targets checked against the measured means of this one run (ratios are
/// Mean / Mean of two rows of the same summary), printed and saved next to BenchmarkDotNet's reports.
/// </summary>
public static class Targets
{
    private static readonly Dictionary<string, double> MemoryPackBound = new()
    {
        ["PlayerInput"] = 1.00,
        ["Snapshot"] = 1.50,
        ["ChatLine"] = 1.00,
        ["Inventory"] = 1.00,
    };

    private const double FloorBound = 1.30;

    public static void Report(IEnumerable<Summary> summaries, IReadOnlyList<WireRow> wire)
    {
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        var allocated = new Dictionary<string, long?>(StringComparer.Ordinal);
        string? directory = null;
        foreach (Summary summary in summaries)
        {
            directory ??= summary.ResultsDirectoryPath;
            foreach (BenchmarkReport report in summary.Reports)
            {
                string type = report.BenchmarkCase.Descriptor.Type.Name.Replace("Benchmarks", string.Empty, StringComparison.Ordinal);
                string key = type + "." + report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                if (report.ResultStatistics is { } stats)
                {
                    means[key] = stats.Mean;
                }

                allocated[key] = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            }
        }

        if (means.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        text.AppendLine("| message | direction | Travelers ns | MemoryPack ns | floor ns | Travelers / MemoryPack (target) | Travelers / floor (<= 1.30) | Travelers allocated B |");
        text.AppendLine("|---|---|---:|---:|---:|---|---|---:|");
        foreach (string message in new[] { "PlayerInput", "Snapshot", "ChatLine", "Inventory" })
        {
            foreach (string direction in new[] { "Serialize", "Deserialize" })
            {
                if (!means.TryGetValue($"{message}.Travelers_{direction}", out double tr))
                {
                    continue;
                }

                double? mp = Get(means, $"{message}.MemoryPack_{direction}");
                double? floor = Get(means, $"{message}.Floor_{direction}");
                double? runs = Get(means, $"{message}.FloorRuns_{direction}");
                long? bytes = allocated.GetValueOrDefault($"{message}.Travelers_{direction}");
                double bound = MemoryPackBound[message];
                string vsMp = mp is { } m ? Verdict(tr / m, bound) + $" (<= {bound:0.00})" : "n/a";
                string vsFloor = floor is { } f ? Verdict(tr / f, FloorBound) : "n/a";
                if (runs is { } r)
                {
                    vsFloor += $"; vs one-copy floor {tr / r:0.00}";
                }

                string alloc = bytes?.ToString(CultureInfo.InvariantCulture) ?? "?";
                bool mustBeZero = message == "PlayerInput" || (message == "Snapshot" && direction == "Serialize");
                if (mustBeZero)
                {
                    alloc += bytes == 0 ? " (target 0: met)" : " (target 0: MISSED)";
                }

                text.AppendLine(CultureInfo.InvariantCulture, $"| {message} | {direction} | {tr:0.00} | {Format(mp)} | {Format(floor)} | {vsMp} | {vsFloor} | {alloc} |");
            }
        }

        text.AppendLine();
        foreach (WireRow row in wire)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"wire {row.Message}: Travelers {row.Travelers.Length} B, MemoryPack {row.MemoryPack.Length} B, floor {row.Floor.Length} B: {(row.Travelers.Length <= row.MemoryPack.Length ? "met" : "MISSED")}");
        }

        Console.WriteLine();
        Console.WriteLine("Targets (ratios are Mean / Mean within this run)");
        Console.Write(text.ToString());
        if (directory is not null)
        {
            string path = Path.Combine(directory, "targets.md");
            File.WriteAllText(path, text.ToString());
            Console.WriteLine("written to " + path);
        }
    }

    private static double? Get(Dictionary<string, double> means, string key) => means.TryGetValue(key, out double v) ? v : null;

    private static string Format(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    private static string Verdict(double ratio, double bound) =>
        ratio.ToString("0.00", CultureInfo.InvariantCulture) + (ratio <= bound ? " met" : " MISSED");
}
