using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;

namespace Travelers.Generators.Parser;

/// <summary>
/// Reads one [Replicated] member: whether it can be replicated as declared (TRV4005), its type (TRV4003) and its
/// [Quantize] (TRV4004), [Bits] (TRV4006) and [MaxLength].
/// </summary>
internal static class ReplicatedMemberReader
{
    public static ReplicatedMemberModel? Read(ISymbol member, INamedTypeSymbol type, bool fromSource, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        Location? location = member.Locations.FirstOrDefault();
        PropertyShape? shape = null;
        ITypeSymbol memberType;
        string? problem;
        switch (member)
        {
            case IFieldSymbol field:
                memberType = field.Type;
                problem = field.IsConst ? "it is a constant"
                    : field.IsStatic ? "it is static, and only instance members are replicated"
                    : field.IsReadOnly ? "it is a readonly field, which a client could not set; remove 'readonly'"
                    : null;
                break;
            case IPropertySymbol property:
                memberType = property.Type;
                PropertyDeclarationSyntax? declaration = fromSource ? DefiningDeclaration(property, cancellationToken) : null;
                problem = property.IsStatic ? "it is static, and only instance members are replicated"
                    : property.IsIndexer ? "it is an indexer"
                    : fromSource && declaration?.Modifiers.Any(SyntaxKind.PartialKeyword) != true ? "it is not a partial property; declare it 'partial' (with get and set or init) so that Travelers implements it and tracks its changes"
                    : property.GetMethod is null ? "it has no get accessor"
                    : property.SetMethod is null ? "it has no set or init accessor, so a client could not hold the server's value"
                    : null;
                if (problem is null && declaration is not null)
                {
                    shape = ShapeOf(declaration);
                }

                break;
            default:
                return null;
        }

        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNotReplicable, location, member.Name, problem));
        }

        ReplicatedType? replicated = Classify(memberType);
        if (replicated is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedReplicatedType, location, member.Name, type.Name, memberType.ToDisplayString()));
            return null;
        }

        string display = memberType.ToDisplayString();
        QuantizeModel? quantize = ReadQuantize(member, replicated, display, diagnostics, cancellationToken);
        int bits = ReadBits(member, replicated, display, diagnostics, cancellationToken);
        int maxLength = replicated.Kind == ReplicatedKind.String ? MaxLengthOf(member) : 0;
        if (problem is not null)
        {
            return null;
        }

        return new ReplicatedMemberModel(
            member.Name,
            replicated.Kind,
            replicated.TypeName,
            replicated.Schema,
            replicated.IsEnum,
            replicated.IsAnnotated,
            member is IFieldSymbol,
            IsInherited: false,
            shape,
            bits,
            quantize,
            maxLength);
    }

    /// <summary>The kind of a type Travelers replicates, or null.</summary>
    public static ReplicatedType? Classify(ITypeSymbol type)
    {
        string name = type.ToDisplayString(TypeClassifier.TypeNameFormat);
        if (type.ToDisplayString() == KnownTypes.NetId)
        {
            return new ReplicatedType(ReplicatedKind.NetId, name, "netid", false, false);
        }

        TypeModel? model = TypeClassifier.Classify(type, null, out _);
        if (model is null)
        {
            return null;
        }

        bool isEnum = model.Kind == WireKind.Enum;
        ReplicatedKind? kind = (isEnum ? model.Element!.Kind : model.Kind) switch
        {
            WireKind.Boolean when !isEnum => ReplicatedKind.Boolean,
            WireKind.Byte => ReplicatedKind.Byte,
            WireKind.SByte => ReplicatedKind.SByte,
            WireKind.Int16 => ReplicatedKind.Int16,
            WireKind.UInt16 => ReplicatedKind.UInt16,
            WireKind.Char when !isEnum => ReplicatedKind.Char,
            WireKind.Int32 => ReplicatedKind.Int32,
            WireKind.UInt32 => ReplicatedKind.UInt32,
            WireKind.Int64 => ReplicatedKind.Int64,
            WireKind.UInt64 => ReplicatedKind.UInt64,
            WireKind.Single => ReplicatedKind.Single,
            WireKind.Double => ReplicatedKind.Double,
            WireKind.Vector2 => ReplicatedKind.Vector2,
            WireKind.Vector3 => ReplicatedKind.Vector3,
            WireKind.Vector4 => ReplicatedKind.Vector4,
            WireKind.Quaternion => ReplicatedKind.Quaternion,
            WireKind.String => ReplicatedKind.String,
            _ => null,
        };
        return kind is { } k ? new ReplicatedType(k, name, model.Schema, isEnum, model.IsAnnotated) : null;
    }

    /// <summary>The width of an integer kind in bits, or 0.</summary>
    public static int IntegerWidth(ReplicatedKind kind) => kind switch
    {
        ReplicatedKind.Byte or ReplicatedKind.SByte => 8,
        ReplicatedKind.Int16 or ReplicatedKind.UInt16 or ReplicatedKind.Char => 16,
        ReplicatedKind.Int32 or ReplicatedKind.UInt32 => 32,
        ReplicatedKind.Int64 or ReplicatedKind.UInt64 => 64,
        _ => 0,
    };

    /// <summary>
    /// Why (min, max, precision) is not a range the runtime's Quantization accepts, or null. The step count is
    /// Quantization.Steps' (ceil((max - min) / precision), less its tolerance for float representation error),
    /// so that what passes here never throws at type initialization; a test keeps the two in step.
    /// </summary>
    public static string? QuantizeProblem(float min, float max, float precision)
    {
        if (!IsFinite(min) || !IsFinite(max) || !IsFinite(precision))
        {
            return "min, max and precision must be finite numbers";
        }

        if (!(max > min))
        {
            return "min (" + FloatText.Invariant(min) + ") must be less than max (" + FloatText.Invariant(max) + ")";
        }

        if (!(precision > 0))
        {
            return "precision (" + FloatText.Invariant(precision) + ") must be greater than 0";
        }

        double exact = ((double)max - min) / precision;
        double steps = Math.Ceiling(exact - Math.Min(exact / (1 << 20), 0.25));
        return steps > uint.MaxValue
            ? FloatText.Invariant(min) + " to " + FloatText.Invariant(max) + " in steps of " + FloatText.Invariant(precision) + " is " + steps.ToString("R", CultureInfo.InvariantCulture) + " steps, more than 32 bits hold; use a larger precision or a smaller range"
            : null;
    }

    private static bool IsFinite(float value) => !float.IsNaN(value) && !float.IsInfinity(value);

    private static QuantizeModel? ReadQuantize(ISymbol member, ReplicatedType type, string display, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        AttributeData? attribute = Find(member, KnownTypes.QuantizeAttribute);
        if (attribute is null)
        {
            return null;
        }

        string? problem;
        QuantizeModel? model = null;
        if (type.Kind is not (ReplicatedKind.Single or ReplicatedKind.Vector2 or ReplicatedKind.Vector3 or ReplicatedKind.Vector4))
        {
            problem = "it applies to float, Vector2, Vector3 and Vector4 members, not to '" + display + "'";
        }
        else if (attribute.ConstructorArguments.Length == 3
            && attribute.ConstructorArguments[0].Value is float min
            && attribute.ConstructorArguments[1].Value is float max
            && attribute.ConstructorArguments[2].Value is float precision)
        {
            problem = QuantizeProblem(min, max, precision);
            model = new QuantizeModel(min, max, precision);
        }
        else
        {
            return null; // the compiler reports the malformed attribute
        }

        if (problem is null)
        {
            return model;
        }

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidQuantize, AttributeLocation(attribute, member, cancellationToken), member.Name, problem));
        return null;
    }

    private static int ReadBits(ISymbol member, ReplicatedType type, string display, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        AttributeData? attribute = Find(member, KnownTypes.BitsAttribute);
        if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not int bits)
        {
            return 0;
        }

        int width = IntegerWidth(type.Kind);
        string text = bits.ToString(CultureInfo.InvariantCulture);
        string? problem = width > 0
            ? bits < 1 || bits > width ? "it must be 1 to " + width.ToString(CultureInfo.InvariantCulture) + " for '" + display + "', not " + text : null
            : type.Kind == ReplicatedKind.Quaternion
                ? bits < 4 || bits > 16 ? "it must be 4 to 16 for a Quaternion (the bits of each of its three smallest components), not " + text : null
                : "it applies to integers, enums and Quaternion, not to '" + display + "'";
        if (problem is null)
        {
            return bits;
        }

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBits, AttributeLocation(attribute, member, cancellationToken), member.Name, problem));
        return 0;
    }

    private static int MaxLengthOf(ISymbol member) =>
        Find(member, KnownTypes.MaxLengthAttribute)?.ConstructorArguments.FirstOrDefault().Value is int length && length > 0 ? length : 0;

    private static AttributeData? Find(ISymbol member, string metadataName) =>
        member.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == metadataName);

    private static Location? AttributeLocation(AttributeData attribute, ISymbol member, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? member.Locations.FirstOrDefault();

    /// <summary>The user's declaration: the one without accessor bodies when the implementing one is in the compilation too (in the analyzers).</summary>
    private static PropertyDeclarationSyntax? DefiningDeclaration(IPropertySymbol property, CancellationToken cancellationToken)
    {
        List<PropertyDeclarationSyntax> declarations = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<PropertyDeclarationSyntax>().ToList();
        return declarations.FirstOrDefault(d => d.ExpressionBody is null && d.AccessorList is { } list && list.Accessors.All(a => a.Body is null && a.ExpressionBody is null))
            ?? declarations.FirstOrDefault();
    }

    /// <summary>
    /// The shape of a property declared partial whose implementing part is not in the compilation (the generator's
    /// view: it writes that part), or null (not partial, or implemented by hand).
    /// </summary>
    internal static PropertyShape? UnimplementedPartialShape(IPropertySymbol property, CancellationToken cancellationToken)
    {
        PropertyDeclarationSyntax? definition = null;
        bool implemented = false;

        // Read from the type's declarations, not the property's: a definition's symbol lists only its own declaration,
        // and the API that finds the implementing part is newer than the Roslyn this generator builds against.
        foreach (SyntaxReference reference in property.ContainingType.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            foreach (PropertyDeclarationSyntax candidate in declaration.Members.OfType<PropertyDeclarationSyntax>())
            {
                if (candidate.Identifier.ValueText != property.Name || !candidate.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    continue;
                }

                // An extern implementation has no bodies either: its extern modifier is what tells it from the definition.
                bool hasBody = candidate.ExpressionBody is not null
                    || candidate.Modifiers.Any(SyntaxKind.ExternKeyword)
                    || candidate.AccessorList?.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null) == true;
                if (hasBody)
                {
                    implemented = true;
                }
                else
                {
                    definition ??= candidate;
                }
            }
        }

        return definition is not null && !implemented && definition.AccessorList is not null ? ShapeOf(definition) : null;
    }

    private static PropertyShape ShapeOf(PropertyDeclarationSyntax declaration) => new(
        string.Join(" ", declaration.Modifiers.Select(m => m.Text)),
        (declaration.AccessorList?.Accessors ?? default)
            .Select(a => new AccessorShape(string.Join(" ", a.Modifiers.Select(m => m.Text)), a.Keyword.Text))
            .ToEquatableArray());
}

/// <summary>A member type Travelers replicates.</summary>
/// <param name="Kind">How it is packed (an enum's underlying kind).</param>
/// <param name="TypeName">Fully qualified, with nullable annotations.</param>
/// <param name="Schema">As messages name it.</param>
/// <param name="IsEnum">An enum.</param>
/// <param name="IsAnnotated">Declared nullable.</param>
internal sealed record ReplicatedType(ReplicatedKind Kind, string TypeName, string Schema, bool IsEnum, bool IsAnnotated);
