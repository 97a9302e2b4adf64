using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers;

/// <summary>
/// TRV1001-TRV1005: what the generator cannot generate a serializer for. The checks are the generator's own
/// (<see cref="MessageParser"/>, compiled into both), run here rather than in the generator because an
/// analyzer reports on real source locations: the IDE can then offer fixes, <c>#pragma</c> works, and the
/// generator's pipeline stays free of locations. One analyzer for the five ids, since one reading finds them all.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CannotGenerateAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.TypeNotPartial,
        DiagnosticDescriptors.UnsupportedMemberType,
        DiagnosticDescriptors.GenericMessage,
        DiagnosticDescriptors.NoConstructor,
        DiagnosticDescriptors.InvalidSerializer);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(Analyze, SymbolKind.NamedType);
    }

    private static void Analyze(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!TypeClassifier.HasAttribute(type, KnownTypes.NetMessageAttribute))
        {
            return;
        }

        ParseResult? result = MessageParser.Parse(type, context.Compilation, context.CancellationToken);
        if (result is null)
        {
            return;
        }

        foreach (DiagnosticInfo info in result.Diagnostics)
        {
            context.ReportDiagnostic(info.ToDiagnostic(context.Compilation));
        }
    }
}
