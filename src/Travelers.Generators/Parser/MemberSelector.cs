using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Travelers.Generators.Parser;

/// <summary>
/// Which members of a message go on the wire, and which constructor deserialization calls. Public
/// instance fields and properties, base types first, in declaration order; not [NetIgnore]; only
/// those deserialization can set (settable, init, or a constructor parameter of the same name).
/// </summary>
internal static class MemberSelector
{
    public static IEnumerable<ISymbol> SerializedMembers(INamedTypeSymbol type)
    {
        List<ISymbol> candidates = Candidates(type);
        IMethodSymbol? constructor = ChooseConstructor(type, candidates);
        return candidates.Where(m => IsSettable(m) || ParameterIndex(constructor, m) >= 0);
    }

    public static List<ISymbol> Candidates(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        for (INamedTypeSymbol? t = type; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType)
        {
            chain.Add(t);
        }

        chain.Reverse();
        var result = new List<ISymbol>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (INamedTypeSymbol t in chain)
        {
            foreach (ISymbol member in t.GetMembers())
            {
                if (member.IsStatic || member.IsImplicitlyDeclared && member is not IPropertySymbol || member.DeclaredAccessibility != Accessibility.Public)
                {
                    continue;
                }

                bool eligible = member switch
                {
                    IFieldSymbol field => !field.IsConst && field.AssociatedSymbol is null,
                    IPropertySymbol property => !property.IsIndexer && property.GetMethod is not null && property.Name != "EqualityContract",
                    _ => false,
                };
                if (eligible && !TypeClassifier.HasAttribute(member, KnownTypes.NetIgnoreAttribute) && seen.Add(member.Name))
                {
                    result.Add(member);
                }
            }
        }

        return result;
    }

    public static bool IsSettable(ISymbol member) => member switch
    {
        IFieldSymbol field => !field.IsReadOnly,
        IPropertySymbol property => property.SetMethod is { DeclaredAccessibility: Accessibility.Public },
        _ => false,
    };

    public static bool IsInitOnly(ISymbol member) =>
        member is IPropertySymbol { SetMethod.IsInitOnly: true } || member is IPropertySymbol { IsRequired: true } || member is IFieldSymbol { IsRequired: true };

    /// <summary>The public constructor with the most parameters that all match members by name and type,
    /// else the parameterless one; null when there is neither.</summary>
    public static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, List<ISymbol> candidates)
    {
        IMethodSymbol? best = null;
        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            bool allMatch = constructor.Parameters.All(p => candidates.Any(m => Matches(p, m)));
            if (allMatch && (best is null || constructor.Parameters.Length > best.Parameters.Length))
            {
                best = constructor;
            }
        }

        return best;
    }

    public static int ParameterIndex(IMethodSymbol? constructor, ISymbol member)
    {
        if (constructor is null)
        {
            return -1;
        }

        for (int i = 0; i < constructor.Parameters.Length; i++)
        {
            if (Matches(constructor.Parameters[i], member))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Matches(IParameterSymbol parameter, ISymbol member)
    {
        ITypeSymbol? type = member switch { IFieldSymbol f => f.Type, IPropertySymbol p => p.Type, _ => null };
        return type is not null
            && string.Equals(parameter.Name, member.Name, StringComparison.OrdinalIgnoreCase)
            && SymbolEqualityComparer.Default.Equals(parameter.Type.WithNullableAnnotation(NullableAnnotation.None), type.WithNullableAnnotation(NullableAnnotation.None));
    }
}
