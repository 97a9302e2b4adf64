using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>TRV2004: a serialized string or collection member without [MaxLength], so only the global limit bounds it.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MissingMaxLengthAnalyzer : DiagnosticAnalyzer
{
    /// <summary>NetLimits.Default's MaxStringBytes and MaxCollectionCount, which apply when [MaxLength] is absent.</summary>
    internal const int DefaultLimit = 65536;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.MissingMaxLength);

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
        if (!TypeClassifier.HasAttribute(type, KnownTypes.NetMessageAttribute))
        {
            return;
        }

        List<ISymbol> candidates = MemberSelector.Candidates(type);
        IMethodSymbol? constructor = MemberSelector.ChooseConstructor(type, candidates);
        foreach (ISymbol member in candidates)
        {
            // Inherited members are reported once, on the type that declares them, not once per derived message.
            int parameter = MemberSelector.ParameterIndex(constructor, member);
            if (!SymbolEqualityComparer.Default.Equals(member.ContainingType, type)
                || !(MemberSelector.IsSettable(member) || parameter >= 0)
                || member.Locations.Length == 0
                || !member.Locations[0].IsInSource)
            {
                continue;
            }

            ITypeSymbol memberType = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
            WireKind? kind = InvalidMaxLengthAnalyzer.LengthKind(memberType, member, out _);
            if (kind is null
                || TypeClassifier.HasAttribute(member, KnownTypes.MaxLengthAttribute)
                || parameter >= 0 && TypeClassifier.HasAttribute(constructor!.Parameters[parameter], KnownTypes.MaxLengthAttribute))
            {
                continue;
            }

            string unit = kind switch
            {
                WireKind.String => "UTF-8 bytes",
                WireKind.ByteArray or WireKind.ByteMemory => "bytes",
                _ => "elements",
            };
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MissingMaxLength,
                member.Locations[0],
                type.Name,
                member.Name,
                DefaultLimit.ToString(CultureInfo.InvariantCulture),
                unit));
        }
    }
}
