using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>
/// TRV3008: a call of an [Rpc] method that is not through its proxy. The method's body is the code that runs where the
/// call arrives; called directly it runs here, which Mirror's and Netcode's attribute-rewriting hides and Travelers makes
/// visible. A method group of one (<c>Action a = player.Fire;</c>) is reported too: invoked, it runs here as well.
/// Generated dispatch code is not analyzed.
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
                start.RegisterOperationAction(c => Analyze(c, rpc), OperationKind.Invocation, OperationKind.MethodReference);
            }
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol rpc)
    {
        (IMethodSymbol method, IOperation? instance) = context.Operation switch
        {
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Instance),
            IMethodReferenceOperation reference => (reference.Method, reference.Instance),
            _ => (null!, null),
        };

        // base.M(...) inside an override of M runs the base body as part of the override, which is itself the
        // code that runs where the call arrived: there is no proxy to go through.
        if (instance is IInstanceReferenceOperation { Syntax: BaseExpressionSyntax }
            && context.ContainingSymbol is IMethodSymbol { IsOverride: true } caller
            && Overrides(caller, method))
        {
            return;
        }

        // An override carries no [Rpc] of its own (the attribute is not inherited), but it is the same RPC.
        for (IMethodSymbol? declared = method; declared is not null; declared = declared.OverriddenMethod)
        {
            if (Report(context, context.Operation, declared, rpc))
            {
                return;
            }
        }
    }

    private static bool Report(OperationAnalysisContext context, IOperation use, IMethodSymbol method, INamedTypeSymbol rpc)
    {
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
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.RpcCalledDirectly, use.Syntax.GetLocation(), method.Name, where, proxy));
            return true;
        }

        return false;
    }

    private static bool Overrides(IMethodSymbol caller, IMethodSymbol method)
    {
        for (IMethodSymbol? m = caller.OverriddenMethod; m is not null; m = m.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, method.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }
}
