using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>
/// TRV3008: a call of an [Rpc] method that is not through its proxy. The method's body is the code that runs where the
/// call arrives; called directly it runs here, which Mirror's and Netcode's attribute-rewriting hides and Travelers makes
/// visible. Generated dispatch code is not analyzed.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RpcCalledDirectlyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.RpcCalledDirectly);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(KnownTypes.RpcAttribute) is { } rpc)
            {
                start.RegisterOperationAction(c => Analyze(c, rpc), OperationKind.Invocation);
            }
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol rpc)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, rpc))
            {
                continue;
            }

            int target = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is { } t
                ? System.Convert.ToInt32(t, System.Globalization.CultureInfo.InvariantCulture)
                : 0;
            (string proxy, string where) = target switch
            {
                1 => ("Owner", "on the owning client"),
                2 => ("Observers", "on the clients that see it"),
                _ => ("Server", "on the server"),
            };
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.RpcCalledDirectly, invocation.Syntax.GetLocation(), method.Name, where, proxy));
            return;
        }
    }
}
