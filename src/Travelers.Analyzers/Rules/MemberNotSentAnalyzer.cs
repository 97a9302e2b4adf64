using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>
/// TRV2003: a public get-only auto-property or readonly field of a [NetMessage] type that the generator
/// silently leaves off the wire, because deserialization could not set it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MemberNotSentAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.MemberNotSent);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!TypeClassifier.HasAttribute(type, KnownTypes.NetMessageAttribute) || IsGeneric(type))
        {
            return;
        }

        // The same selection the generator makes, so the warning names exactly the members it drops.
        List<ISymbol> candidates = MemberSelector.Candidates(type);
        IMethodSymbol? constructor = MemberSelector.ChooseConstructor(type, candidates);
        foreach (ISymbol member in candidates)
        {
            context.CancellationToken.ThrowIfCancellationRequested();

            // Members of a base type are reported where they are declared, not once per derived message.
            if (!SymbolEqualityComparer.Default.Equals(member.ContainingType, type)
                || MemberSelector.IsSettable(member)
                || MemberSelector.ParameterIndex(constructor, member) >= 0
                || !HasStorage(member, context.CancellationToken))
            {
                continue;
            }

            Location location = member.Locations.FirstOrDefault() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MemberNotSent, location, type.Name, member.Name));
        }
    }

    /// <summary>
    /// True for a readonly field and for a get-only auto-property. A computed property, or one with a
    /// non-public setter, is not a value lost on the way: 'make it init' would not be the fix.
    /// </summary>
    private static bool HasStorage(ISymbol member, System.Threading.CancellationToken cancellationToken)
    {
        switch (member)
        {
            case IFieldSymbol field:
                return field.IsReadOnly;
            case IPropertySymbol { SetMethod: null } property:
                foreach (SyntaxReference reference in property.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(cancellationToken) is PropertyDeclarationSyntax { AccessorList: { } accessors }
                        && accessors.Accessors.Count == 1
                        && accessors.Accessors[0] is { Body: null, ExpressionBody: null } getter
                        && getter.IsKind(SyntaxKind.GetAccessorDeclaration))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>The generator refuses generic messages (TRV1003), so their members are not worth a second warning.</summary>
    private static bool IsGeneric(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeParameters.Length > 0)
            {
                return true;
            }
        }

        return false;
    }
}
