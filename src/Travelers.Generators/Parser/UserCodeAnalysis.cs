using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Travelers.Generators.Parser;

/// <summary>
/// Decides whether reading or writing a message can run code that is not Travelers' own: an accessor or a
/// constructor with a body, a field initializer that calls something, a custom serializer, a base type, or
/// a nested message that does. Only a message that provably runs none is emitted with
/// <c>RunsUserCode =&gt; false</c>, which lets <c>NetSerializer</c> drop its exception handler; anything it
/// cannot see (a type from another assembly) counts as user code, which is always safe.
/// </summary>
internal static class UserCodeAnalysis
{
    public static bool RunsUserCode(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken) =>
        RunsUserCode(type, compilation, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default), cancellationToken);

    private static bool RunsUserCode(INamedTypeSymbol type, Compilation compilation, HashSet<ITypeSymbol> visiting, CancellationToken cancellationToken)
    {
        if (!visiting.Add(type))
        {
            return false; // already being checked further up: its own answer decides
        }

        if (type.DeclaringSyntaxReferences.Length == 0 || type.IsAbstract
            || type.BaseType is { SpecialType: not (SpecialType.System_Object or SpecialType.System_ValueType) }
            || TypeClassifier.HasAttribute(type, KnownTypes.NetSerializerAttribute))
        {
            return true;
        }

        List<ISymbol> candidates = MemberSelector.Candidates(type);
        IMethodSymbol? constructor = MemberSelector.ChooseConstructor(type, candidates);
        if (!IsTrivialConstructor(type, constructor, cancellationToken))
        {
            return true;
        }

        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                return true;
            }

            SemanticModel model = compilation.GetSemanticModel(declaration.SyntaxTree);
            if (!InitializersAreTrivial(declaration, model, cancellationToken))
            {
                return true;
            }
        }

        foreach (ISymbol member in candidates)
        {
            bool serialized = MemberSelector.IsSettable(member) || MemberSelector.ParameterIndex(constructor, member) >= 0;
            if (!serialized)
            {
                continue;
            }

            if (member is IPropertySymbol property && !IsAutoProperty(property, cancellationToken))
            {
                return true;
            }

            ITypeSymbol memberType = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
            if (TypeClassifier.HasAttribute(member, KnownTypes.NetSerializerAttribute)
                || TypeRunsUserCode(memberType, compilation, visiting, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Values of this type are read and written by Travelers' own code only (or by a message that is).</summary>
    private static bool TypeRunsUserCode(ITypeSymbol type, Compilation compilation, HashSet<ITypeSymbol> visiting, CancellationToken cancellationToken)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return TypeRunsUserCode(array.ElementType, compilation, visiting, cancellationToken);
            case INamedTypeSymbol named when TypeClassifier.HasAttribute(named, KnownTypes.NetSerializerAttribute):
                return true;
            case INamedTypeSymbol named when TypeClassifier.HasAttribute(named, KnownTypes.NetMessageAttribute):
                return RunsUserCode(named, compilation, visiting, cancellationToken);
            case INamedTypeSymbol { IsGenericType: true } named:
                string definition = named.OriginalDefinition.ToDisplayString();
                bool hashesKey = definition is "System.Collections.Generic.Dictionary<TKey, TValue>" or "System.Collections.Generic.HashSet<T>";
                if (hashesKey && named.TypeArguments[0].TypeKind is not TypeKind.Enum && named.TypeArguments[0].SpecialType == SpecialType.None)
                {
                    // A message used as a key is hashed and compared with its own Equals and GetHashCode.
                    return true;
                }

                return named.TypeArguments.Any(argument => TypeRunsUserCode(argument, compilation, visiting, cancellationToken));
            default:
                return false; // primitives, enums, strings and the System value types the reader builds itself
        }
    }

    private static bool IsTrivialConstructor(INamedTypeSymbol type, IMethodSymbol? constructor, CancellationToken cancellationToken)
    {
        if (constructor is null)
        {
            // A struct made with `new T()`: user code only if it declares a parameterless constructor.
            return type.IsValueType && type.InstanceConstructors.All(c => c.Parameters.Length > 0 || c.IsImplicitlyDeclared);
        }

        if (constructor.IsImplicitlyDeclared)
        {
            return true;
        }

        // A primary constructor (records, C# 12 classes and structs) has no body: its syntax is the type declaration.
        return constructor.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
            && (declaration.BaseList is null || !declaration.BaseList.Types.OfType<PrimaryConstructorBaseTypeSyntax>().Any()));
    }

    private static bool IsAutoProperty(IPropertySymbol property, CancellationToken cancellationToken) =>
        property.DeclaringSyntaxReferences.Length > 0
        && property.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) switch
        {
            // A partial property's declaration has no bodies, but its implementing part (which the property's syntax
            // references do not include) has: user code, whatever it does.
            PropertyDeclarationSyntax declaration => !declaration.Modifiers.Any(SyntaxKind.PartialKeyword)
                && declaration.ExpressionBody is null
                && declaration.AccessorList is { } accessors
                && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null),
            ParameterSyntax => true, // a record's positional property
            _ => false,
        });

    private static bool InitializersAreTrivial(TypeDeclarationSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (MemberDeclarationSyntax member in declaration.Members)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (member)
            {
                case FieldDeclarationSyntax field when !field.Modifiers.Any(SyntaxKind.StaticKeyword) && !field.Modifiers.Any(SyntaxKind.ConstKeyword):
                    if (field.Declaration.Variables.Any(v => v.Initializer is { } init && !IsTrivialValue(init.Value, model)))
                    {
                        return false;
                    }

                    break;
                case PropertyDeclarationSyntax { Initializer: { } initializer } property when !property.Modifiers.Any(SyntaxKind.StaticKeyword):
                    if (!IsTrivialValue(initializer.Value, model))
                    {
                        return false;
                    }

                    break;
                case ConstructorDeclarationSyntax { Initializer: not null }:
                    return false; // `: this(...)` chains may run anything
            }
        }

        return true;
    }

    /// <summary>Constants, defaults, primary-constructor parameters, empty collections and argument-free
    /// construction of System types: initializers that cannot throw for a reason a peer controls.</summary>
    private static bool IsTrivialValue(ExpressionSyntax value, SemanticModel model)
    {
        switch (value)
        {
            case LiteralExpressionSyntax or DefaultExpressionSyntax:
                return true;
            case CollectionExpressionSyntax { Elements.Count: 0 }:
                return true;
            case BaseObjectCreationExpressionSyntax { Initializer: null } creation when creation.ArgumentList is null || creation.ArgumentList.Arguments.Count == 0:
                return model.GetTypeInfo(creation).Type is { } created && IsSystemType(created);
            case IdentifierNameSyntax or MemberAccessExpressionSyntax:
                ISymbol? symbol = model.GetSymbolInfo(value).Symbol;
                return symbol is IParameterSymbol
                    || symbol is IFieldSymbol { IsStatic: true } staticField && IsSystemType(staticField.ContainingType) && (staticField.IsConst || staticField.IsReadOnly);
            case InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0 } invocation:
                return model.GetSymbolInfo(invocation).Symbol is IMethodSymbol { Name: "Empty", ContainingType: { } owner } && owner.ToDisplayString() == "System.Array";
            default:
                return false;
        }
    }

    private static bool IsSystemType(ITypeSymbol type)
    {
        string? ns = type.ContainingNamespace?.ToDisplayString();
        return ns is not null && (ns == "System" || ns.StartsWith("System.", System.StringComparison.Ordinal));
    }
}
