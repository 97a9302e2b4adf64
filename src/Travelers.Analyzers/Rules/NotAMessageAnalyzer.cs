using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>
/// TRV5001: a type that is not a message is given to a method type parameter constrained to
/// <c>INetMessage&lt;T&gt;</c>. The compiler's own CS0311/CS0315 says only "no implicit reference
/// conversion"; this says what to do.
/// </summary>
/// <remarks>
/// This is a syntax-node action, not an operation action: a constraint violation makes overload
/// resolution fail, and Roslyn turns a call whose overload resolution failed into an
/// <c>IInvalidOperation</c> with no target method. The semantic model still lists the rejected methods,
/// constructed with the offending type arguments, as <see cref="SymbolInfo.CandidateSymbols"/>.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NotAMessageAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The diagnostic property holding the documentation id of the type, for the code fix.</summary>
    internal const string TypeIdProperty = "TypeId";

    private const string MessageInterface = "Travelers.INetMessage`1";

    /// <summary>"NetSerializer.Serialize&lt;T&gt;": the method as its documentation names it.</summary>
    private static readonly SymbolDisplayFormat s_methodFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameOnly,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeContainingType);

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.NotAMessage);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Without the runtime referenced there is nothing to misuse.
            if (start.Compilation.GetTypeByMetadataName(MessageInterface) is not { } messageInterface)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(c => AnalyzeInvocation(c, messageInterface), SyntaxKind.InvocationExpression);
            start.RegisterSyntaxNodeAction(c => AnalyzeMethodGroup(c, messageInterface), SyntaxKind.GenericName);
        });
    }

    private static void AnalyzeInvocation(SyntaxNodeAnalysisContext context, INamedTypeSymbol messageInterface)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        SimpleNameSyntax? name = invocation.Expression switch
        {
            SimpleNameSyntax simple => simple,
            MemberAccessExpressionSyntax access => access.Name,
            MemberBindingExpressionSyntax binding => binding.Name,
            _ => null,
        };
        if (name is not null)
        {
            Analyze(context, context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken), name, messageInterface);
        }
    }

    /// <summary>A method group with explicit type arguments that is not called here (a delegate conversion).</summary>
    private static void AnalyzeMethodGroup(SyntaxNodeAnalysisContext context, INamedTypeSymbol messageInterface)
    {
        var name = (GenericNameSyntax)context.Node;
        SyntaxNode expression = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
        if (expression.Parent is InvocationExpressionSyntax call && call.Expression == expression)
        {
            return; // the invocation action covers it
        }

        SymbolInfo info = context.SemanticModel.GetSymbolInfo(expression, context.CancellationToken);
        Analyze(context, info, name, messageInterface);
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, SymbolInfo info, SimpleNameSyntax name, INamedTypeSymbol messageInterface)
    {
        ImmutableArray<ISymbol> methods = info.Symbol is { } bound ? ImmutableArray.Create(bound) : info.CandidateSymbols;

        // Several rejected overloads name the same type argument: report each position once.
        var reported = new HashSet<int>();
        foreach (ISymbol symbol in methods)
        {
            if (symbol is not IMethodSymbol { IsGenericMethod: true } method)
            {
                continue;
            }

            ImmutableArray<ITypeParameterSymbol> parameters = method.OriginalDefinition.TypeParameters;
            for (int i = 0; i < parameters.Length && i < method.TypeArguments.Length; i++)
            {
                ITypeSymbol argument = method.TypeArguments[i];
                if (!reported.Contains(i)
                    && IsConstrainedToMessage(parameters[i], messageInterface)
                    && !IsMessage(argument, messageInterface))
                {
                    reported.Add(i);
                    Location location = name is GenericNameSyntax generic && i < generic.TypeArgumentList.Arguments.Count
                        ? generic.TypeArgumentList.Arguments[i].GetLocation()
                        : name.GetLocation();
                    ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty
                        .Add(TypeIdProperty, DocumentationCommentId.CreateDeclarationId(argument));
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.NotAMessage,
                        location,
                        properties,
                        argument.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                        method.OriginalDefinition.ToDisplayString(s_methodFormat)));
                }
            }
        }
    }

    /// <summary>Whether <paramref name="parameter"/> has the constraint <c>INetMessage&lt;itself&gt;</c>.</summary>
    private static bool IsConstrainedToMessage(ITypeParameterSymbol parameter, INamedTypeSymbol messageInterface)
    {
        foreach (ITypeSymbol constraint in parameter.ConstraintTypes)
        {
            if (constraint is INamedTypeSymbol named
                && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, messageInterface)
                && SymbolEqualityComparer.Default.Equals(named.TypeArguments[0], parameter))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="type"/> is, or is meant to be, a message. Type parameters are the caller's
    /// business (its own constraint, or the compiler's error); error types already have an error; a
    /// [NetMessage] type gets its implementation from the generator, which may not have run yet.
    /// </summary>
    private static bool IsMessage(ITypeSymbol type, INamedTypeSymbol messageInterface)
    {
        if (type.TypeKind is TypeKind.TypeParameter or TypeKind.Error || TypeClassifier.HasAttribute(type, KnownTypes.NetMessageAttribute))
        {
            return true;
        }

        foreach (INamedTypeSymbol implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, messageInterface)
                && SymbolEqualityComparer.Default.Equals(implemented.TypeArguments[0], type))
            {
                return true;
            }
        }

        return false;
    }
}
