using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Travelers.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- --filter '*'</c> runs every benchmark (any BenchmarkDotNet switch works:
/// <c>--filter '*Snapshot*'</c>, <c>--list flat</c>, ...); <c>-- --smoke</c> only round-trips each
/// message once per contender and exits non-zero on a mismatch.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--smoke", StringComparer.Ordinal))
        {
            return Smoke.Run();
        }

        // Never measure code that does not round-trip: check first, and show the wire sizes.
        var failures = new List<string>();
        List<WireRow> wire = Smoke.RoundTrip(failures);
        WireSizes.Print(wire);
        if (failures.Count > 0)
        {
            foreach (string failure in failures)
            {
                Console.Error.WriteLine("MISMATCH: " + failure);
            }

            return 1;
        }

        // Reports go to benchmarks/Travelers.Benchmarks/BenchmarkDotNet.Artifacts (git-ignored), wherever
        // the command is run from; --artifacts on the command line still wins.
        string artifacts = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "BenchmarkDotNet.Artifacts"));
        IConfig config = DefaultConfig.Instance.WithArtifactsPath(artifacts);
        IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        Targets.Report(summaries.ToList(), wire);
        return 0;
    }
}
