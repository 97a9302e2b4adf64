using System;
using Microsoft.CodeAnalysis;

namespace Travelers.Analyzers;

/// <summary>The cheap test the "cannot generate" analyzers run first: most types have no member carrying the attribute.</summary>
internal static class AttributedMembers
{
    /// <summary>Whether a member of <paramref name="type"/> accepted by <paramref name="kind"/> carries <paramref name="attribute"/>.</summary>
    public static bool Any(INamedTypeSymbol type, INamedTypeSymbol attribute, Func<ISymbol, bool> kind)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (!kind(member))
            {
                continue;
            }

            foreach (AttributeData data in member.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
