using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Travelers.Analyzers.Tests;

/// <summary>A descriptor found by reflection, with the component it belongs to.</summary>
internal sealed record FoundDescriptor(Component Component, Type DeclaringType, string MemberName, DiagnosticDescriptor Descriptor)
{
    public string Id => Descriptor.Id;

    /// <summary>Short enough for xunit to show whole in a test name: "TRV1001 TypeNotPartial".</summary>
    public string Key => Id + " " + MemberName + (Component.Assembly == typeof(DiagnosticIds).Assembly ? string.Empty : " (generator)");
}

/// <summary>One of the two Roslyn components, with the ranges of ids it may use.</summary>
internal sealed record Component(Assembly Assembly, params (int First, int Last)[] Ranges)
{
    public string Name => Assembly.GetName().Name!;

    public bool Owns(int id) => Ranges.Any(r => id >= r.First && id <= r.Last);

    public string ProjectFolder => Repository.ProjectFolder(Name);
}

/// <summary>
/// Every <see cref="DiagnosticDescriptor"/> held by a static field or property of any type in the
/// generator and analyzer assemblies, public or not (the generator's descriptors are internal).
/// </summary>
internal static class DescriptorCatalog
{
    private const BindingFlags StaticMembers = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>
    /// The generator's parsers find only "cannot generate" errors: of messages (TRV1xxx) and of entities (TRV4001 to
    /// TRV4099, the part of the replication range kept for them).
    /// </summary>
    public static Component Generator { get; } = new(typeof(Travelers.Generators.NetMessageGenerator).Assembly, (1000, 1999), (3001, 3007), (3009, 3009), (4001, 4099));

    /// <summary>The analyzers report misuse (TRV2xxx to TRV5xxx) and, from the generator's own parsers, what it cannot generate (TRV1xxx, TRV40xx).</summary>
    public static Component Analyzers { get; } = new(typeof(DiagnosticIds).Assembly, (1000, 5999));

    /// <summary>Ids whose descriptors the generator owns and the analyzers compile in too.</summary>
    public static bool IsGeneratorId(string id) => Generator.Owns(int.Parse(id.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture));

    public static IReadOnlyList<Component> Components { get; } = [Generator, Analyzers];

    public static IReadOnlyList<FoundDescriptor> All { get; } = Components.SelectMany(Find).ToList();

    /// <summary>Theory rows: one key per descriptor, so each shows as its own test.</summary>
    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        foreach (FoundDescriptor found in All)
        {
            data.Add(found.Key);
        }

        return data;
    }

    public static FoundDescriptor Get(string key) => All.Single(d => d.Key == key);

    private static IEnumerable<FoundDescriptor> Find(Component component)
    {
        foreach (Type type in component.Assembly.GetTypes().Where(t => !t.ContainsGenericParameters))
        {
            foreach (FieldInfo field in type.GetFields(StaticMembers).Where(f => f.FieldType == typeof(DiagnosticDescriptor)))
            {
                yield return new FoundDescriptor(component, type, field.Name, (DiagnosticDescriptor)field.GetValue(null)!);
            }

            foreach (PropertyInfo property in type.GetProperties(StaticMembers).Where(p => p.PropertyType == typeof(DiagnosticDescriptor) && p.GetMethod is not null))
            {
                yield return new FoundDescriptor(component, type, property.Name, (DiagnosticDescriptor)property.GetValue(null)!);
            }
        }
    }
}
