using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace Travelers.Analyzers.Tests;

/// <summary>Every descriptor of the generator and the analyzers is documented: help link, page, rules table.</summary>
public sealed partial class RuleDocumentationTests
{
    private const string HelpLinkBase = "https://github.com/travelers-net/travelers/blob/main/docs/rules/";

    private static readonly string RulesTable = Path.Combine(Repository.RulesFolder, "README.md");

    public static TheoryData<string> Descriptors => DescriptorCatalog.Keys();

    [Fact]
    public void Reflection_finds_the_generator_descriptors()
    {
        // Guards the rest: a catalog that found nothing would make every theory below vacuous.
        Assert.Equal(
            ["TRV1001", "TRV1002", "TRV1003", "TRV1004", "TRV1005", "TRV3001", "TRV3002", "TRV3003", "TRV3004", "TRV3005", "TRV3006", "TRV3007", "TRV3009", "TRV4001", "TRV4002", "TRV4003", "TRV4004", "TRV4005", "TRV4006", "TRV4007", "TRV4008"],
            DescriptorCatalog.All.Where(d => d.Component == DescriptorCatalog.Generator).Select(d => d.Id).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Descriptor_id_is_TRV_and_four_digits_in_the_range_of_its_component(string key)
    {
        FoundDescriptor found = DescriptorCatalog.Get(key);

        Assert.Matches(IdPattern(), found.Id);
        int number = int.Parse(found.Id.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(found.Component.Owns(number), $"{found.Id} is outside the ranges of {found.Component.Name}");
    }

    [Fact]
    public void Descriptor_ids_are_unique_within_each_component_and_the_generator_ids_are_the_same_in_both()
    {
        // The generator's descriptors are compiled into the analyzers too (CannotGenerateAnalyzer and
        // CannotGenerateEntityAnalyzer report them), so TRV1xxx and TRV40xx appear once per assembly, and must be
        // the same rules in both.
        IEnumerable<string> duplicates = DescriptorCatalog.All
            .GroupBy(d => (d.Component, d.Id))
            .Where(g => g.Count() > 1)
            .Select(g => g.Key.Id + ": " + string.Join(", ", g.Select(d => d.DeclaringType.FullName + "." + d.MemberName)));
        Assert.Empty(duplicates);

        static IEnumerable<(string, string, string, DiagnosticSeverity)> Rules(IEnumerable<FoundDescriptor> found) =>
            found.Where(d => DescriptorCatalog.IsGeneratorId(d.Id))
                .Select(d => (d.Id, d.Descriptor.Title.ToString(), d.Descriptor.MessageFormat.ToString(), d.Descriptor.DefaultSeverity))
                .Order();
        Assert.Equal(
            Rules(DescriptorCatalog.All.Where(d => d.Component == DescriptorCatalog.Generator)),
            Rules(DescriptorCatalog.All.Where(d => d.Component == DescriptorCatalog.Analyzers)));
    }

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Descriptor_help_link_is_its_page_under_docs_rules(string key)
    {
        DiagnosticDescriptor descriptor = DescriptorCatalog.Get(key).Descriptor;

        Assert.Equal(HelpLinkBase + descriptor.Id + ".md", descriptor.HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Descriptor_has_a_page_whose_first_heading_is_its_id_and_title(string key)
    {
        DiagnosticDescriptor descriptor = DescriptorCatalog.Get(key).Descriptor;
        string page = Repository.RulePage(descriptor.Id);

        Assert.True(File.Exists(page), "Missing page " + page);
        Assert.Equal(descriptor.Id + ": " + descriptor.Title, Markdown.FirstHeading(page));
    }

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Descriptor_has_a_row_in_the_rules_table_with_its_link_severity_and_title(string key)
    {
        DiagnosticDescriptor descriptor = DescriptorCatalog.Get(key).Descriptor;

        string[]? row = Markdown.TableRows(RulesTable).FirstOrDefault(cells => cells[0] == $"[{descriptor.Id}]({descriptor.Id}.md)");

        Assert.NotNull(row);
        Assert.Equal([$"[{descriptor.Id}]({descriptor.Id}.md)", descriptor.DefaultSeverity.ToString(), descriptor.Title.ToString()], row);
    }

    [Fact]
    public void Every_rule_page_and_table_row_belongs_to_a_descriptor()
    {
        // A page or row left behind by a renamed or removed rule would send users to the wrong text.
        var ids = DescriptorCatalog.All.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        IEnumerable<string> pages = Directory.EnumerateFiles(Repository.RulesFolder, "TRV*.md").Select(Path.GetFileNameWithoutExtension)!;
        IEnumerable<string> rows = Markdown.TableRows(RulesTable).Select(cells => RowId().Match(cells[0])).Where(m => m.Success).Select(m => m.Groups[1].Value);

        Assert.All(pages.Concat(rows), id => Assert.Contains(id, ids));
    }

    [GeneratedRegex(@"^TRV[1-5]\d{3}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\[(TRV\d+)\]")]
    private static partial Regex RowId();
}
