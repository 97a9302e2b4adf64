using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;

namespace Travelers.Generators.Parser;

/// <summary>
/// Turns a type with [Replicated] members into an <see cref="EntityModel"/> and diagnostics (TRV4001-TRV4008).
/// The only place, with <see cref="ReplicatedMemberReader"/>, that sees symbols. The generator calls it once per
/// [Replicated] member, each time for the whole containing type (so every member yields the same model); the
/// analyzers call it once per type.
/// </summary>
internal static class EntityParser
{
    private const string GenericReason = "it is generic or nested in a generic type; an entity type needs one id and schema, so declare a non-generic type for each use";

    public static EntityParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse(context.TargetSymbol.ContainingType, context.SemanticModel.Compilation, cancellationToken);

    /// <summary>The reading of the whole type, for the generator and the analyzers (which call it for types with [Replicated] members).</summary>
    public static EntityParseResult Parse(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        List<ISymbol> own = ReplicatedMembersOf(type);
        Location? typeLocation = type.Locations.FirstOrDefault();

        if (!DerivesFromNetEntity(type))
        {
            foreach (ISymbol member in own)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReplicatedOutsideEntity, member.Locations.FirstOrDefault(), member.Name, type.Name));
            }

            return new EntityParseResult(null, diagnostics.ToEquatableArray(), StubOf(type, own, cancellationToken));
        }

        // A type compiled into a referenced assembly was generated there: only source declarations are checked.
        bool fromSource = type.DeclaringSyntaxReferences.Length > 0;
        var containing = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (fromSource && !IsPartial(outer, cancellationToken))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EntityNotPartial, typeLocation, type.Name, outer.Name));
            }

            containing.Insert(0, "partial " + MessageParser.KeywordOf(outer) + " " + Identifiers.Escape(outer.Name));
        }

        if (fromSource && !IsPartial(type, cancellationToken))
        {
            diagnostics.Insert(0, DiagnosticInfo.Create(DiagnosticDescriptors.EntityNotPartial, typeLocation, type.Name, type.Name));
        }

        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeParameters.Length > 0)
            {
                // Members of type T would each add a TRV4003 that says nothing new: stop here.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EntityNotCreatable, typeLocation, type.Name, GenericReason));
                return new EntityParseResult(null, diagnostics.ToEquatableArray(), StubOf(type, own, cancellationToken));
            }
        }

        if (!type.IsAbstract && ConstructionProblem(type) is { } problem)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EntityNotCreatable, typeLocation, type.Name, problem));
        }

        if (fromSource)
        {
            foreach (ISymbol member in type.GetMembers())
            {
                if (!member.IsImplicitlyDeclared && GeneratedNameOf(member) is { } taken)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedNameTaken, member.Locations.FirstOrDefault(), member.Name, taken));
                }
            }
        }

        // The nearest base with replicated members has already gathered those of its own bases: its model lists them all.
        var members = new List<ReplicatedMemberModel>();
        bool baseFailed = false;
        INamedTypeSymbol? entityBase = NearestEntityBase(type);
        if (entityBase is not null)
        {
            EntityModel? baseModel = Parse(entityBase, compilation, cancellationToken).Model;
            baseFailed = baseModel is null; // its own diagnostics say why, on its declaration
            if (baseModel is not null)
            {
                members.AddRange(baseModel.Members.Select(m => m with { IsInherited = true, Property = null }));
                CheckInheritedAccess(type, typeLocation, compilation, diagnostics);
            }
        }

        var inheritedNames = new HashSet<string>(members.Select(m => m.Name), System.StringComparer.Ordinal);
        foreach (ISymbol member in own)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (inheritedNames.Contains(member.Name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNotReplicable, member.Locations.FirstOrDefault(), member.Name,
                    "a replicated member of '" + entityBase!.Name + "', which it derives from, has the same name; give it another name"));
                continue;
            }

            if (ReplicatedMemberReader.Read(member, type, fromSource, diagnostics, cancellationToken) is { } model)
            {
                members.Add(model);
            }
        }

        if (diagnostics.Count > 0 || baseFailed)
        {
            return new EntityParseResult(null, diagnostics.ToEquatableArray(), StubOf(type, own, cancellationToken));
        }

        string fullName = TypeClassifier.FullNameOf(type);
        var entity = new EntityModel(
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : string.Empty,
            type.Name,
            fullName,
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            MessageParser.KeywordOf(type),
            containing.ToEquatableArray(),
            StableHash.Compute(fullName),
            type.IsAbstract,
            !type.IsAbstract && MessageParser.IsRegistrable(type),
            entityBase is not null,
            members.ToEquatableArray());
        return new EntityParseResult(entity, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>
    /// For a type whose replication cannot be generated: its [Replicated] partial properties that have no implementation,
    /// to be implemented with throwing accessors (see <see cref="EntityStubModel"/>). Null when there are none, and when the type's
    /// declaration cannot be repeated as partial (it or a containing type is not partial): the compiler then reports an
    /// error of its own on the type (CS0751).
    /// </summary>
    private static EntityStubModel? StubOf(INamedTypeSymbol type, List<ISymbol> own, CancellationToken cancellationToken)
    {
        var properties = new List<PropertyStub>();
        foreach (ISymbol member in own)
        {
            if (member is IPropertySymbol { IsIndexer: false, ReturnsByRef: false, ReturnsByRefReadonly: false } property
                && ReplicatedMemberReader.UnimplementedPartialShape(property, cancellationToken) is { } shape)
            {
                properties.Add(new PropertyStub(property.Name, property.Type.ToDisplayString(TypeClassifier.TypeNameFormat), shape));
            }
        }

        if (properties.Count == 0)
        {
            return null;
        }

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : string.Empty;
        var containing = new List<string>();
        var key = new List<string>(); // the file's name: generic types apart from their non-generic namesakes
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (!IsPartial(t, cancellationToken))
            {
                return null;
            }

            key.Insert(0, t.Name + (t.TypeParameters.Length > 0 ? "_" + t.TypeParameters.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty));
            if (!SymbolEqualityComparer.Default.Equals(t, type))
            {
                containing.Insert(0, "partial " + MessageParser.KeywordOf(t) + " " + DeclaredName(t));
            }
        }

        return new EntityStubModel(
            ns,
            DeclaredName(type),
            (ns.Length > 0 ? ns + "." : string.Empty) + string.Join(".", key),
            MessageParser.KeywordOf(type),
            containing.ToEquatableArray(),
            properties.ToEquatableArray());
    }

    /// <summary>The name as a partial declaration repeats it: with its type parameters (constraints need not be repeated).
    /// Names that are keywords are escaped (<c>@class</c>), as the declaration must write them.</summary>
    private static string DeclaredName(INamedTypeSymbol type) =>
        type.TypeParameters.Length == 0
            ? Identifiers.Escape(type.Name)
            : Identifiers.Escape(type.Name) + "<" + string.Join(", ", type.TypeParameters.Select(p => Identifiers.Escape(p.Name))) + ">";

    /// <summary>Instance and static fields and properties marked [Replicated], in declaration order (misuse is diagnosed later).</summary>
    public static List<ISymbol> ReplicatedMembersOf(INamedTypeSymbol type) =>
        type.GetMembers()
            .Where(m => m is IFieldSymbol or IPropertySymbol && !m.IsImplicitlyDeclared && TypeClassifier.HasAttribute(m, KnownTypes.ReplicatedAttribute))
            .ToList();

    public static bool DerivesFromNetEntity(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.ToDisplayString() == KnownTypes.NetEntity)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether some declaration says partial (C# itself requires that all of them do, once one does).</summary>
    internal static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().Any(s => s.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static INamedTypeSymbol? NearestEntityBase(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type.BaseType; t is not null && t.ToDisplayString() != KnownTypes.NetEntity; t = t.BaseType)
        {
            if (ReplicatedMembersOf(t).Count > 0)
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>Why a client could not write <c>new T()</c> inside the type, or null.</summary>
    private static string? ConstructionProblem(INamedTypeSymbol type)
    {
        IMethodSymbol? constructor = type.InstanceConstructors.FirstOrDefault(c => c.Parameters.All(p => p.IsOptional || p.IsParams));
        if (constructor is null)
        {
            return "it has no parameterless constructor, which a client calls to create its copy of an entity; add one (it may be private)";
        }

        bool setsRequired = TypeClassifier.HasAttribute(constructor, KnownTypes.SetsRequiredMembersAttribute);
        for (INamedTypeSymbol? t = type; t is not null && !setsRequired; t = t.BaseType)
        {
            if (t.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }))
            {
                return "it has required members, which a client cannot set when it creates its copy of an entity; mark its parameterless constructor [SetsRequiredMembers] or drop 'required'";
            }
        }

        return null;
    }

    /// <summary>Members inherited from base entities are read and written through their own accessors, which must be reachable from here.</summary>
    private static void CheckInheritedAccess(INamedTypeSymbol type, Location? typeLocation, Compilation compilation, List<DiagnosticInfo> diagnostics)
    {
        for (INamedTypeSymbol? t = type.BaseType; t is not null && t.ToDisplayString() != KnownTypes.NetEntity; t = t.BaseType)
        {
            foreach (ISymbol member in ReplicatedMembersOf(t))
            {
                string? problem = member switch
                {
                    IFieldSymbol field when !compilation.IsSymbolAccessibleWithin(field, type) => "it is not accessible from '" + type.Name + "'",
                    IPropertySymbol { GetMethod: { } get } when !compilation.IsSymbolAccessibleWithin(get, type) => "its get accessor is not accessible from '" + type.Name + "'",
                    IPropertySymbol { SetMethod.IsInitOnly: true } => "its init accessor cannot be called on a copy that exists already; make it 'set'",
                    IPropertySymbol { SetMethod: { } set } when !compilation.IsSymbolAccessibleWithin(set, type) => "its set accessor is not accessible from '" + type.Name + "'",
                    _ => null,
                };
                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNotReplicable, typeLocation, t.Name + "." + member.Name,
                        "'" + type.Name + "' derives from '" + t.Name + "' and replicates this member too, but " + problem));
                }
            }
        }
    }

    /// <summary>
    /// What generated member <paramref name="member"/> would collide with: the <c>State</c> struct and the
    /// <c>Interpolated</c> property. A member of the same kind is the generated one itself (the analyzers see a
    /// compilation that has it), so only another kind is reported: a field, property, method or enum named State.
    /// </summary>
    private static string? GeneratedNameOf(ISymbol member) => member.Name switch
    {
        "State" when member is not INamedTypeSymbol { TypeKind: TypeKind.Struct } => "the struct of its replicated values (State)",
        "Interpolated" when member is not IPropertySymbol => "the interpolated values' property (Interpolated)",
        _ => null,
    };
}
