using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;

namespace Travelers.Generators.Parser;

/// <summary>Turns a [NetMessage] type symbol into a <see cref="MessageModel"/> and diagnostics. The only place that sees symbols.</summary>
internal static class MessageParser
{
    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse((INamedTypeSymbol)context.TargetSymbol, (TypeDeclarationSyntax)context.TargetNode, context.Attributes[0], context.SemanticModel.Compilation, analyzeUserCode: true, cancellationToken);

    /// <summary>The same reading for the analyzers, which start from a symbol: its first declaration and its [NetMessage].</summary>
    public static ParseResult? Parse(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        AttributeData? attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.NetMessageAttribute);
        TypeDeclarationSyntax? declaration = attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();
        // The user-code analysis binds initializers and only sets a flag the generator emits; the rules never need it.
        return attribute is null || declaration is null ? null : Parse(type, declaration, attribute, compilation, analyzeUserCode: false, cancellationToken);
    }

    private static ParseResult Parse(INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeData attribute, Compilation compilation, bool analyzeUserCode, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, declaration.Identifier.GetLocation(), type.Name, type.Name));
        }

        var containing = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var outerSyntax = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().ToList();
            if (!outerSyntax.Any(s => s.Modifiers.Any(SyntaxKind.PartialKeyword)))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, declaration.Identifier.GetLocation(), type.Name, outer.Name));
            }

            containing.Insert(0, "partial " + KeywordOf(outer) + " " + Identifiers.Escape(outer.Name));
        }

        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeParameters.Length > 0)
            {
                // Members of type T would each add a TRV1002 that says nothing new: stop here.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericMessage, declaration.Identifier.GetLocation(), type.Name));
                return new ParseResult(null, diagnostics.ToEquatableArray());
            }
        }

        List<ISymbol> candidates = MemberSelector.Candidates(type);
        IMethodSymbol? constructor = MemberSelector.ChooseConstructor(type, candidates);
        if (type.IsAbstract)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoConstructor, declaration.Identifier.GetLocation(), type.Name, "it is abstract"));
        }
        else if (constructor is null && !type.IsValueType)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoConstructor, declaration.Identifier.GetLocation(), type.Name, "it has no public constructor whose parameters all match serialized members"));
        }

        var members = new List<MemberModel>();
        foreach (ISymbol member in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int parameter = MemberSelector.ParameterIndex(constructor, member);
            if (parameter < 0 && !MemberSelector.IsSettable(member))
            {
                continue; // get-only and no constructor parameter: the analyzers warn that it is not sent
            }

            ITypeSymbol memberType = member is IFieldSymbol f ? f.Type : ((IPropertySymbol)member).Type;
            TypeModel? model = TypeClassifier.Classify(memberType, member, out string? reason);
            if (model is null)
            {
                Location location = member.Locations.FirstOrDefault() ?? declaration.Identifier.GetLocation();
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMemberType, location, member.Name, type.Name, memberType.ToDisplayString(), reason ?? "unsupported"));
                continue;
            }

            if (model.Kind == WireKind.Custom)
            {
                CheckSerializer(memberType, member, type, declaration, diagnostics);
            }

            // Attributes may sit on the member or, as in `record ChatLine([MaxLength(256)] string Text)`,
            // on the constructor parameter that sets it.
            IParameterSymbol? source = parameter >= 0 ? constructor!.Parameters[parameter] : null;
            int maxLength = MaxLengthOf(member);
            if (maxLength == 0 && source is not null)
            {
                maxLength = MaxLengthOf(source);
            }

            bool varInt = TypeClassifier.IsVarInt(member, source, model);
            members.Add(new MemberModel(
                member.Name,
                model,
                member is IFieldSymbol,
                parameter,
                parameter < 0 && MemberSelector.IsInitOnly(member),
                maxLength,
                varInt));
        }

        if (diagnostics.Count > 0)
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        ulong id = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Id").Value.Value is ulong explicitId && explicitId != 0
            ? explicitId
            : StableHash.Compute(TypeClassifier.FullNameOf(type));
        bool tolerant = attribute.NamedArguments.Any(a => a.Key == "VersionTolerant" && a.Value.Value is true);

        var model2 = new MessageModel(
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : string.Empty,
            type.Name,
            TypeClassifier.FullNameOf(type),
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            KeywordOf(type),
            type.IsReadOnly && type.IsValueType,
            type.IsValueType,
            containing.ToEquatableArray(),
            id,
            tolerant,
            members.ToEquatableArray(),
            constructor?.Parameters.Length ?? 0,
            !analyzeUserCode || UserCodeAnalysis.RunsUserCode(type, compilation, cancellationToken),
            IsRegistrable(type));
        return new ParseResult(model2, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static void CheckSerializer(ITypeSymbol memberType, ISymbol member, INamedTypeSymbol type, TypeDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics)
    {
        AttributeData? attribute = member.GetAttributes().Concat(memberType.GetAttributes())
            .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.NetSerializerAttribute);
        if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol serializer)
        {
            return;
        }

        bool implements = serializer.AllInterfaces.Any(i =>
            i.OriginalDefinition.ToDisplayString() == "Travelers.INetSerializer<T>"
            && SymbolEqualityComparer.Default.Equals(i.TypeArguments[0].WithNullableAnnotation(NullableAnnotation.None), memberType.WithNullableAnnotation(NullableAnnotation.None)));
        if (!implements)
        {
            Location location = member.Locations.FirstOrDefault() ?? declaration.Identifier.GetLocation();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSerializer, location, serializer.ToDisplayString(), type.Name + "." + member.Name, memberType.ToDisplayString()));
        }
    }

    private static int MaxLengthOf(ISymbol member)
    {
        AttributeData? attribute = member.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.MaxLengthAttribute);
        return attribute?.ConstructorArguments.FirstOrDefault().Value is int length && length > 0 ? length : 0;
    }

    /// <summary>Reachable from assembly-level code: no private or protected type on the way in.</summary>
    internal static bool IsRegistrable(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The keyword a partial declaration of <paramref name="type"/> repeats: "class", "record struct"...</summary>
    internal static string KeywordOf(INamedTypeSymbol type) => (type.IsRecord, type.TypeKind) switch
    {
        (true, TypeKind.Struct) => "record struct",
        (true, _) => "record",
        (false, TypeKind.Struct) => "struct",
        (false, TypeKind.Interface) => "interface",
        _ => "class",
    };
}
