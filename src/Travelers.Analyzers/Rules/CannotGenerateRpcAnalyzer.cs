using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers;

/// <summary>
/// TRV3001-TRV3007 and TRV3009: [Rpc] methods the generator cannot write proxies for, and server RPC arguments only the
/// global limits bound. The checks are the generator's own (<see cref="RpcParser"/>, compiled into both), reported here
/// on real source locations, as <see cref="CannotGenerateEntityAnalyzer"/> does for entities.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CannotGenerateRpcAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.RpcOutsideEntityOrService,
        DiagnosticDescriptors.RpcTypeNotPartial,
        DiagnosticDescriptors.RpcUnsupportedSignature,
        DiagnosticDescriptors.RpcByReference,
        DiagnosticDescriptors.RpcContextNotLast,
        DiagnosticDescriptors.RpcReturnsToNobody,
        DiagnosticDescriptors.RpcUnboundedArgument,
        DiagnosticDescriptors.RpcInvalidSettings);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? rpc = start.Compilation.GetTypeByMetadataName(KnownTypes.RpcAttribute);
            if (rpc is not null)
            {
                start.RegisterSymbolAction(c => Analyze(c, rpc), SymbolKind.NamedType);
            }
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol rpc)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!AttributedMembers.Any(type, rpc, static m => m is IMethodSymbol))
        {
            return;
        }

        RpcParseResult result = RpcParser.Parse(type, context.CancellationToken);
        foreach (DiagnosticInfo info in result.Diagnostics)
        {
            context.ReportDiagnostic(info.ToDiagnostic(context.Compilation));
        }
    }
}
