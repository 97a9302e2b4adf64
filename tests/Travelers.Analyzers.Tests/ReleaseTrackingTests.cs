using Microsoft.CodeAnalysis;

namespace Travelers.Analyzers.Tests;

/// <summary>
/// The release tracking files of each component declare its rules as the descriptors do. The RS2000
/// analyzer notices a missing id even through a descriptor factory, but not a category or severity
/// that differs from the file when they are passed through one, so this test checks all three.
/// </summary>
public sealed class ReleaseTrackingTests
{
    public static TheoryData<string> Descriptors => DescriptorCatalog.Keys();

    [Fact]
    public void Generator_release_files_list_every_generator_id()
    {
        IReadOnlyDictionary<string, (string Category, DiagnosticSeverity Severity)> rules = ReleaseTracking.CurrentRules(DescriptorCatalog.Generator.ProjectFolder);

        Assert.True(File.Exists(Path.Combine(DescriptorCatalog.Generator.ProjectFolder, ReleaseTracking.UnshippedFile)));
        Assert.All(DescriptorCatalog.All.Where(d => d.Component == DescriptorCatalog.Generator), d => Assert.Contains(d.Id, rules.Keys));
    }

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Release_files_of_the_component_declare_the_descriptor_category_and_severity(string key)
    {
        FoundDescriptor found = DescriptorCatalog.Get(key);

        IReadOnlyDictionary<string, (string Category, DiagnosticSeverity Severity)> rules = ReleaseTracking.CurrentRules(found.Component.ProjectFolder);

        Assert.True(rules.TryGetValue(found.Id, out (string Category, DiagnosticSeverity Severity) entry), found.Id + " is not in the release files of " + found.Component.Name);
        Assert.Equal((found.Descriptor.Category, found.Descriptor.DefaultSeverity), entry);
    }

    [Fact]
    public void Release_files_list_no_rule_without_a_descriptor()
    {
        IEnumerable<string> stale = DescriptorCatalog.Components.SelectMany(component =>
            ReleaseTracking.CurrentRules(component.ProjectFolder).Keys
                .Where(id => !DescriptorCatalog.All.Any(d => d.Component == component && d.Id == id))
                .Select(id => component.Name + ": " + id));

        Assert.Empty(stale);
    }

    [Fact]
    public void Reader_applies_new_changed_and_removed_rules_in_release_order()
    {
        string folder = Directory.CreateTempSubdirectory("trv-release-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, ReleaseTracking.ShippedFile), """
                ## Release 1.0

                ### New Rules

                Rule ID | Category | Severity | Notes
                --------|----------|----------|-------
                TRV2001 | Travelers.Messages | Warning | kept
                TRV2002 | Travelers.Messages | Warning | removed later
                TRV2003 | Travelers.Messages | Info | changed later
                """);
            File.WriteAllText(Path.Combine(folder, ReleaseTracking.UnshippedFile), """
                ; Unshipped analyzer release

                ### Removed Rules

                Rule ID | Category | Severity | Notes
                --------|----------|----------|-------
                TRV2002 | Travelers.Messages | Warning | gone

                ### Changed Rules

                Rule ID | New Category | New Severity | Old Category | Old Severity | Notes
                --------|--------------|--------------|--------------|--------------|-------
                TRV2003 | Travelers.Messages | Error | Travelers.Messages | Info | stricter
                """);

            IReadOnlyDictionary<string, (string Category, DiagnosticSeverity Severity)> rules = ReleaseTracking.CurrentRules(folder);

            Assert.Equal(
                [("TRV2001", ("Travelers.Messages", DiagnosticSeverity.Warning)), ("TRV2003", ("Travelers.Messages", DiagnosticSeverity.Error))],
                rules.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, r.Value)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
