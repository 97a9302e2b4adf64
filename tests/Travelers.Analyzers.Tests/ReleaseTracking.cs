using Microsoft.CodeAnalysis;

namespace Travelers.Analyzers.Tests;

/// <summary>
/// The rules a project's AnalyzerReleases.Shipped.md and AnalyzerReleases.Unshipped.md declare, as they
/// stand after the last entry: read in order (shipped releases, then the unshipped one), "New Rules"
/// and "Changed Rules" set a rule's category and severity (the first two columns after the id, which
/// in "Changed Rules" are the new values), "Removed Rules" drop it.
/// Format: https://github.com/dotnet/roslyn-analyzers/blob/main/src/Microsoft.CodeAnalysis.Analyzers/ReleaseTrackingAnalyzers.Help.md
/// </summary>
internal static class ReleaseTracking
{
    public const string ShippedFile = "AnalyzerReleases.Shipped.md";
    public const string UnshippedFile = "AnalyzerReleases.Unshipped.md";

    public static IReadOnlyDictionary<string, (string Category, DiagnosticSeverity Severity)> CurrentRules(string projectFolder)
    {
        var rules = new Dictionary<string, (string, DiagnosticSeverity)>(StringComparer.Ordinal);
        foreach (string file in new[] { ShippedFile, UnshippedFile })
        {
            string path = Path.Combine(projectFolder, file);
            bool removing = false;
            foreach (string line in File.Exists(path) ? File.ReadLines(path) : [])
            {
                if (line.StartsWith("###", StringComparison.Ordinal))
                {
                    removing = line.Contains("Removed", StringComparison.OrdinalIgnoreCase);
                    continue;
                }

                string[] cells = line.Split('|').Select(c => c.Trim()).ToArray();
                if (cells.Length < 3 || !cells[0].StartsWith("TRV", StringComparison.Ordinal))
                {
                    continue; // comments, headings, table headers and separators
                }

                if (removing)
                {
                    rules.Remove(cells[0]);
                }
                else
                {
                    rules[cells[0]] = (cells[1], Enum.Parse<DiagnosticSeverity>(cells[2]));
                }
            }
        }

        return rules;
    }
}
