using System.Runtime.CompilerServices;
using System.Text;

namespace Travelers.Generators.Tests;

/// <summary>
/// Compares generated files with checked-in baselines under Snapshots/&lt;case&gt;/. A mismatch writes
/// &lt;file&gt;.received.cs next to the baseline and fails with the first differing lines. Set
/// TRAVELERS_ACCEPT_SNAPSHOTS=1 to accept new output (see CONTRIBUTING.md).
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "TRAVELERS_ACCEPT_SNAPSHOTS";

    public static void Verify(string caseName, IReadOnlyDictionary<string, string> files, [CallerFilePath] string callerPath = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots", caseName);
        bool accept = Environment.GetEnvironmentVariable(AcceptVariable) == "1";
        Directory.CreateDirectory(folder);
        var problems = new StringBuilder();

        foreach ((string hintName, string text) in files)
        {
            string baseline = Path.Combine(folder, Path.ChangeExtension(hintName, null) + ".verified.cs");
            string received = Path.Combine(folder, Path.ChangeExtension(hintName, null) + ".received.cs");
            string normalized = text.Replace("\r\n", "\n");
            if (accept)
            {
                File.WriteAllText(baseline, normalized);
                File.Delete(received);
                continue;
            }

            string? expected = File.Exists(baseline) ? File.ReadAllText(baseline).Replace("\r\n", "\n") : null;
            if (expected == normalized)
            {
                File.Delete(received);
                continue;
            }

            File.WriteAllText(received, normalized);
            problems.AppendLine(expected is null
                ? $"No baseline for {hintName}: wrote {received}."
                : $"{hintName} differs from its baseline (wrote {received}):\n{FirstDifference(expected, normalized)}");
        }

        // The set of files is part of the snapshot: a file the generator stopped writing is a change too.
        var expectedNames = Directory.GetFiles(folder, "*.verified.cs").Select(Path.GetFileName).ToHashSet();
        var actualNames = files.Keys.Select(k => Path.ChangeExtension(k, null) + ".verified.cs").ToHashSet();
        foreach (string? stale in expectedNames.Except(actualNames))
        {
            if (accept)
            {
                File.Delete(Path.Combine(folder, stale!));
            }
            else
            {
                problems.AppendLine($"Baseline {stale} has no generated file any more.");
            }
        }

        Assert.True(problems.Length == 0, problems + $"\nIf the change is intended, run the tests with {AcceptVariable}=1 and review the diff.");
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n');
        string[] a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string left = i < e.Length ? e[i] : "<end>";
            string right = i < a.Length ? a[i] : "<end>";
            if (left != right)
            {
                return $"  line {i + 1}\n  - {left}\n  + {right}";
            }
        }

        return "  (line endings or trailing text)";
    }
}
