using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>TRV2002: [MaxLength] on a message member that has no length, or with a value the generator ignores.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InvalidMaxLengthAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.InvalidMaxLength);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
    }

    /// <summary>
    /// The wire kind of a type [MaxLength] limits (string or collection, looking through Nullable), or null
    /// when it has no length or the generator cannot serialize it (TRV1002 reports that instead).
    /// </summary>
    internal static WireKind? LengthKind(ITypeSymbol type, ISymbol? member, out bool classified)
    {
        TypeModel? model = TypeClassifier.Classify(type, member, out _);
        classified = model is not null;
        if (model is { Kind: WireKind.Nullable, Element: { } inner })
        {
            model = inner;
        }

        return model?.Kind switch
        {
            WireKind.String or WireKind.ByteArray or WireKind.ByteMemory or WireKind.Array or WireKind.List or WireKind.HashSet or WireKind.Dictionary => model.Kind,
            _ => null,
        };
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!TypeClassifier.HasAttribute(type, KnownTypes.NetMessageAttribute))
        {
            return;
        }

        foreach (ISymbol member in type.GetMembers())
        {
            switch (member)
            {
                case IFieldSymbol { AssociatedSymbol: null } field:
                    Check(context, field, field.Type);
                    break;
                case IPropertySymbol property:
                    Check(context, property, property.Type);
                    break;
                case IMethodSymbol { MethodKind: MethodKind.Constructor, IsImplicitlyDeclared: false } constructor:
                    // Covers record and primary-constructor parameters, where the generator also reads [MaxLength].
                    foreach (IParameterSymbol parameter in constructor.Parameters)
                    {
                        Check(context, parameter, parameter.Type);
                    }

                    break;
            }
        }
    }

    private static void Check(SymbolAnalysisContext context, ISymbol symbol, ITypeSymbol type)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != KnownTypes.MaxLengthAttribute
                || attribute.ApplicationSyntaxReference is not { } reference)
            {
                continue;
            }

            string? reason = Reason(symbol, type, attribute);
            if (reason is not null)
            {
                Location location = reference.GetSyntax(context.CancellationToken).GetLocation();
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.InvalidMaxLength, location, symbol.Name, reason));
            }
        }
    }

    private static string? Reason(ISymbol symbol, ITypeSymbol type, AttributeData attribute)
    {
        if (symbol is not IParameterSymbol && TypeClassifier.HasAttribute(symbol, KnownTypes.NetIgnoreAttribute))
        {
            return "the member is [NetIgnore], so it is never sent";
        }

        WireKind? kind = LengthKind(type, symbol, out bool classified);
        if (!classified)
        {
            return null;
        }

        if (kind is null)
        {
            return TypeClassifier.Classify(type, symbol, out _) is { Kind: WireKind.Custom }
                ? "'" + type.ToDisplayString() + "' has a custom serializer, which does not see [MaxLength]"
                : "'" + type.ToDisplayString() + "' has no length; [MaxLength] applies to strings and collections";
        }

        return attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int length && length <= 0
            ? "the value must be greater than 0"
            : null;
    }
}
