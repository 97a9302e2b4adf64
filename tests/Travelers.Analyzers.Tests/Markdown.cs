using System.Net;

namespace Travelers.Analyzers.Tests;

/// <summary>The little markdown reading the tests need: headings and table cells, entities decoded.</summary>
internal static class Markdown
{
    /// <summary>The text of the first level-one heading, or null.</summary>
    public static string? FirstHeading(string path) =>
        File.ReadLines(path).Where(l => l.StartsWith("# ", StringComparison.Ordinal)).Select(l => Decode(l[2..])).FirstOrDefault();

    /// <summary>The trimmed cells of every table row (a line starting with '|'), header and separator rows included.</summary>
    public static IEnumerable<string[]> TableRows(string path) =>
        File.ReadLines(path)
            .Where(l => l.StartsWith('|'))
            .Select(l => l.Trim().Trim('|').Split('|').Select(c => Decode(c.Trim())).ToArray());

    /// <summary>Titles such as INetSerializer&lt;T&gt; are written with entities so markdown keeps the brackets.</summary>
    public static string Decode(string text) => WebUtility.HtmlDecode(text).Trim();
}
