using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Travelers.Analyzers.Tests;

/// <summary>DiagnosticIds, Categories and DiagnosticDescriptorFactory agree with each other and with the generator.</summary>
public sealed class InfrastructureTests
{
    [Fact]
    public void Factory_sets_the_help_link_to_the_rule_page_and_enables_the_rule()
    {
        DiagnosticDescriptor descriptor = DiagnosticDescriptorFactory.Create("TRV2999", "Title", "Message {0}", Categories.Messages, DiagnosticSeverity.Warning);

        Assert.Equal("https://github.com/travelers-net/travelers/blob/main/docs/rules/TRV2999.md", descriptor.HelpLinkUri);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.Equal((Categories.Messages, DiagnosticSeverity.Warning), (descriptor.Category, descriptor.DefaultSeverity));
    }

    [Fact]
    public void Factory_and_generator_share_one_help_link_base()
    {
        Type generatorDescriptors = DescriptorCatalog.Generator.Assembly.GetType("Travelers.Generators.DiagnosticDescriptors", throwOnError: true)!;
        object? generatorBase = generatorDescriptors.GetField("HelpLinkBase", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null);

        Assert.Equal(DiagnosticDescriptorFactory.HelpLinkBase, generatorBase);
    }

    [Fact]
    public void Every_DiagnosticIds_constant_is_the_id_of_a_descriptor_of_the_same_name()
    {
        // DiagnosticIds repeats the generator ids for reference; this keeps the copy exact, and keeps
        // analyzer ids from being reserved there without a rule.
        IEnumerable<string> constants = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => f.Name + " = " + f.GetRawConstantValue())
            .Order(StringComparer.Ordinal);
        IEnumerable<string> descriptors = DescriptorCatalog.All
            .Where(d => d.Component == DescriptorCatalog.Analyzers)
            .Select(d => d.MemberName + " = " + d.Id)
            .Order(StringComparer.Ordinal);

        Assert.Equal(descriptors, constants);
    }

    [Theory]
    [MemberData(nameof(RuleDocumentationTests.Descriptors), MemberType = typeof(RuleDocumentationTests))]
    public void Descriptor_category_is_the_category_of_its_id_range(string key)
    {
        FoundDescriptor found = DescriptorCatalog.Get(key);

        string expected = found.Id[3] switch
        {
            '1' => Categories.Generator,
            '2' => Categories.Messages,
            '3' => Categories.Rpc,
            '4' => Categories.Replication,
            _ => Categories.Sending,
        };
        Assert.Equal(expected, found.Descriptor.Category);
    }
}
