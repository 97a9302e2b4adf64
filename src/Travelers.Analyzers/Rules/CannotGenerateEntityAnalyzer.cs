using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers;

/// <summary>
/// TRV4001-TRV4008: what the generator cannot generate the replication code of. The checks are the generator's own
/// (<see cref="EntityParser"/>, compiled into both), reported here on real source locations, as
/// <see cref="CannotGenerateAnalyzer"/> does for messages. One analyzer for the eight ids, since one reading finds them all.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CannotGenerateEntityAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ReplicatedOutsideEntity,
        DiagnosticDescriptors.EntityNotPartial,
        DiagnosticDescriptors.UnsupportedReplicatedType,
        DiagnosticDescriptors.InvalidQuantize,
        DiagnosticDescriptors.MemberNotReplicable,
        DiagnosticDescriptors.InvalidBits,
        DiagnosticDescriptors.EntityNotCreatable,
        DiagnosticDescriptors.GeneratedNameTaken);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Resolved once per compilation; a compilation that does not reference Travelers has nothing to check.
            INamedTypeSymbol? replicated = start.Compilation.GetTypeByMetadataName(KnownTypes.ReplicatedAttribute);
            if (replicated is not null)
            {
                start.RegisterSymbolAction(c => Analyze(c, replicated), SymbolKind.NamedType);
            }
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol replicated)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!AttributedMembers.Any(type, replicated, static m => m is IFieldSymbol or IPropertySymbol))
        {
            return;
        }

        EntityParseResult result = EntityParser.Parse(type, context.Compilation, context.CancellationToken);
        foreach (DiagnosticInfo info in result.Diagnostics)
        {
            context.ReportDiagnostic(info.ToDiagnostic(context.Compilation));
        }
    }
}
