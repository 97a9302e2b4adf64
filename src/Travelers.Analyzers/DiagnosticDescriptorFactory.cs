using Microsoft.CodeAnalysis;

namespace Travelers.Analyzers;

/// <summary>
/// The only place that creates descriptors, so that every rule is enabled by default and links to its
/// page in docs/rules (a test checks that every link resolves to a page).
/// </summary>
internal static class DiagnosticDescriptorFactory
{
    /// <summary>Where the rule pages live; the same base as the generator's descriptors.</summary>
    public const string HelpLinkBase = "https://github.com/travelers-net/travelers/blob/main/docs/rules/";

    /// <summary>Creates a descriptor whose help link is <c>docs/rules/{id}.md</c>.</summary>
    /// <param name="id">One of <see cref="DiagnosticIds"/>.</param>
    /// <param name="title">A short title, which the rules table in docs/rules/README.md repeats.</param>
    /// <param name="messageFormat">The message, with <c>{0}</c>-style placeholders.</param>
    /// <param name="category">One of <see cref="Categories"/>.</param>
    /// <param name="severity">The default severity.</param>
    /// <param name="customTags">Tags such as <see cref="WellKnownDiagnosticTags.CompilationEnd"/> for rules reported at the end of a compilation.</param>
    public static DiagnosticDescriptor Create(string id, string title, string messageFormat, string category, DiagnosticSeverity severity, params string[] customTags) =>
        new(id, title, messageFormat, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkUri(id), customTags: customTags);

    /// <summary>The help link of <paramref name="id"/>.</summary>
    public static string HelpLinkUri(string id) => HelpLinkBase + id + ".md";
}
