using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Travelers.Generators.Model;

namespace Travelers.Generators.Parser;

/// <summary>Maps a member's type symbol to a <see cref="TypeModel"/>, or says why it cannot be serialized.</summary>
internal static class TypeClassifier
{
    /// <summary>Names as the emitted code writes them: fully qualified, nullable annotations kept.</summary>
    public static readonly SymbolDisplayFormat TypeNameFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static TypeModel? Classify(ITypeSymbol type, ISymbol? member, out string? reason, int depth = 0)
    {
        reason = null;
        string name = type.ToDisplayString(TypeNameFormat);
        bool annotated = type.NullableAnnotation == NullableAnnotation.Annotated;
        bool isRef = type.IsReferenceType;

        INamedTypeSymbol? serializer = FindSerializer(member) ?? FindSerializer(type);
        if (serializer is not null)
        {
            return new TypeModel(WireKind.Custom, name, isRef, annotated, null, null, serializer.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), "custom<" + serializer.ToDisplayString() + ">", 1);
        }

        WireKind? primitive = type.SpecialType switch
        {
            SpecialType.System_Boolean => WireKind.Boolean,
            SpecialType.System_Byte => WireKind.Byte,
            SpecialType.System_SByte => WireKind.SByte,
            SpecialType.System_Int16 => WireKind.Int16,
            SpecialType.System_UInt16 => WireKind.UInt16,
            SpecialType.System_Char => WireKind.Char,
            SpecialType.System_Int32 => WireKind.Int32,
            SpecialType.System_UInt32 => WireKind.UInt32,
            SpecialType.System_Int64 => WireKind.Int64,
            SpecialType.System_UInt64 => WireKind.UInt64,
            SpecialType.System_Single => WireKind.Single,
            SpecialType.System_Double => WireKind.Double,
            SpecialType.System_Decimal => WireKind.Decimal,
            SpecialType.System_String => WireKind.String,
            SpecialType.System_DateTime => WireKind.DateTime,
            _ => null,
        };

        string metadataName = type.OriginalDefinition.ToDisplayString();
        primitive ??= metadataName switch
        {
            "System.Half" => WireKind.Half,
            "System.Int128" => WireKind.Int128,
            "System.UInt128" => WireKind.UInt128,
            "System.Guid" => WireKind.Guid,
            "System.TimeSpan" => WireKind.TimeSpan,
            "System.Numerics.Vector2" => WireKind.Vector2,
            "System.Numerics.Vector3" => WireKind.Vector3,
            "System.Numerics.Vector4" => WireKind.Vector4,
            "System.Numerics.Quaternion" => WireKind.Quaternion,
            KnownTypes.NetId => WireKind.NetId,
            _ => null,
        };

        if (primitive is WireKind kind)
        {
            TypeModel model = new(kind, name, isRef, annotated, null, null, null, SchemaOf(kind), 0);
            int size = model.FixedSize;
            return model with { MinWireSize = kind == WireKind.String ? 1 : size };
        }

        if (type is IArrayTypeSymbol array)
        {
            if (array.Rank != 1)
            {
                reason = "multi-dimensional arrays are not supported (use a jagged array or a flat array)";
                return null;
            }

            if (array.ElementType.SpecialType == SpecialType.System_Byte)
            {
                return new TypeModel(WireKind.ByteArray, name, true, annotated, null, null, null, "bytes", 1);
            }

            TypeModel? element = Classify(array.ElementType, null, out reason, depth + 1);
            return element is null ? null : new TypeModel(WireKind.Array, name, true, annotated, element, null, null, "arr<" + element.Schema + ">", 1);
        }

        if (type.TypeKind == TypeKind.Enum && type is INamedTypeSymbol { EnumUnderlyingType: { } underlying })
        {
            TypeModel? u = Classify(underlying, null, out reason, depth + 1);
            return u is null ? null : new TypeModel(WireKind.Enum, name, false, false, u, null, null, "enum<" + u.Schema + ">", u.FixedSize);
        }

        if (type is INamedTypeSymbol named)
        {
            if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                TypeModel? inner = Classify(named.TypeArguments[0], null, out reason, depth + 1);
                return inner is null ? null : new TypeModel(WireKind.Nullable, name, false, true, inner, null, null, "opt<" + inner.Schema + ">", 1);
            }

            switch (metadataName)
            {
                case "System.ReadOnlyMemory<T>" when named.TypeArguments[0].SpecialType == SpecialType.System_Byte:
                    return new TypeModel(WireKind.ByteMemory, name, false, false, null, null, null, "bytes", 1);
                case "System.Collections.Generic.List<T>":
                case "System.Collections.Generic.HashSet<T>":
                {
                    TypeModel? element = Classify(named.TypeArguments[0], null, out reason, depth + 1);
                    WireKind k = metadataName.EndsWith("List<T>", System.StringComparison.Ordinal) ? WireKind.List : WireKind.HashSet;
                    return element is null ? null : new TypeModel(k, name, true, annotated, element, null, null, (k == WireKind.List ? "list<" : "set<") + element.Schema + ">", 1);
                }

                case "System.Collections.Generic.Dictionary<TKey, TValue>":
                {
                    TypeModel? key = Classify(named.TypeArguments[0], null, out reason, depth + 1);
                    if (key is null)
                    {
                        return null;
                    }

                    TypeModel? value = Classify(named.TypeArguments[1], null, out reason, depth + 1);
                    return value is null ? null : new TypeModel(WireKind.Dictionary, name, true, annotated, value, key, null, "dict<" + key.Schema + "," + value.Schema + ">", 1);
                }
            }

            if (HasAttribute(named, KnownTypes.NetMessageAttribute))
            {
                if (named.IsGenericType)
                {
                    reason = "generic message types are not supported";
                    return null;
                }

                int min = named.IsValueType ? MinSizeOfMessage(named, depth) : 1;
                return new TypeModel(WireKind.Message, name, isRef, annotated, null, null, null, "msg<" + FullNameOf(named) + ">", min);
            }
        }

        reason = type switch
        {
            IPointerTypeSymbol or IFunctionPointerTypeSymbol => "pointers cannot cross a network",
            { TypeKind: TypeKind.Delegate } => "delegates are code, not data",
            { SpecialType: SpecialType.System_Object } => "'object' has no fixed shape: the reader could not know what to create",
            { TypeKind: TypeKind.Interface } => "interfaces have no fixed shape: use a concrete type",
            { TypeKind: TypeKind.Dynamic } => "'dynamic' has no fixed shape",
            _ when metadataName.StartsWith("System.Threading.", System.StringComparison.Ordinal) => "threads, tasks and locks belong to one process",
            _ when metadataName.StartsWith("System.IO.", System.StringComparison.Ordinal) => "streams and files belong to one process",
            _ => "it is not a primitive, string, Guid, DateTime, TimeSpan, vector, quaternion, NetId, enum, array, List, HashSet, Dictionary, Nullable, ReadOnlyMemory<byte> or [NetMessage] type",
        };
        return null;
    }

    public static string FullNameOf(INamedTypeSymbol type)
    {
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : string.Empty;
        var parts = new List<string>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            parts.Add(t.Name);
        }

        parts.Reverse();
        return ns + string.Join(".", parts);
    }

    public static bool HasAttribute(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

    private static INamedTypeSymbol? FindSerializer(ISymbol? symbol)
    {
        if (symbol is null)
        {
            return null;
        }

        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == KnownTypes.NetSerializerAttribute
                && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is INamedTypeSymbol serializer)
            {
                return serializer;
            }
        }

        return null;
    }

    private static int MinSizeOfMessage(INamedTypeSymbol type, int depth)
    {
        if (depth > 8)
        {
            return 0;
        }

        if (HasVersionTolerance(type))
        {
            return 2;
        }

        int total = 0;
        List<ISymbol> candidates = MemberSelector.Candidates(type);
        IMethodSymbol? constructor = MemberSelector.ChooseConstructor(type, candidates);
        foreach (ISymbol member in MemberSelector.SerializedMembers(type))
        {
            ITypeSymbol? memberType = member switch { IFieldSymbol f => f.Type, IPropertySymbol p => p.Type, _ => null };
            if (memberType is not null && Classify(memberType, member, out _, depth + 1) is { } model)
            {
                int parameter = MemberSelector.ParameterIndex(constructor, member);
                total += IsVarInt(member, parameter >= 0 ? constructor!.Parameters[parameter] : null, model) ? 1 : model.MinWireSize;
            }
        }

        return total;
    }

    /// <summary>
    /// Whether a member is written as a varint: <c>[VarInt]</c> on it or, as in <c>record struct Stat([VarInt] int Value)</c>,
    /// on the constructor parameter that sets it (<paramref name="source"/>), and a type a varint can carry.
    /// </summary>
    public static bool IsVarInt(ISymbol member, IParameterSymbol? source, TypeModel model) =>
        (HasAttribute(member, KnownTypes.VarIntAttribute) || (source is not null && HasAttribute(source, KnownTypes.VarIntAttribute)))
        && IsVarIntCapable(model);

    public static bool IsVarIntCapable(TypeModel model) => model.Kind switch
    {
        WireKind.Int16 or WireKind.UInt16 or WireKind.Int32 or WireKind.UInt32 or WireKind.Int64 or WireKind.UInt64 or WireKind.Char => true,
        WireKind.Enum => IsVarIntCapable(model.Element!),
        _ => false,
    };

    public static bool HasVersionTolerance(INamedTypeSymbol type) =>
        type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownTypes.NetMessageAttribute
            && a.NamedArguments.Any(n => n.Key == "VersionTolerant" && n.Value.Value is true));

    private static string SchemaOf(WireKind kind) => kind switch
    {
        WireKind.Boolean => "bool",
        WireKind.Byte => "u8",
        WireKind.SByte => "i8",
        WireKind.Int16 => "i16",
        WireKind.UInt16 => "u16",
        WireKind.Char => "char",
        WireKind.Int32 => "i32",
        WireKind.UInt32 => "u32",
        WireKind.Int64 => "i64",
        WireKind.UInt64 => "u64",
        WireKind.Int128 => "i128",
        WireKind.UInt128 => "u128",
        WireKind.Half => "f16",
        WireKind.Single => "f32",
        WireKind.Double => "f64",
        WireKind.Decimal => "dec",
        WireKind.Vector2 => "vec2",
        WireKind.Vector3 => "vec3",
        WireKind.Vector4 => "vec4",
        WireKind.Quaternion => "quat",
        WireKind.Guid => "guid",
        WireKind.DateTime => "datetime",
        WireKind.TimeSpan => "timespan",
        WireKind.String => "str",
        WireKind.NetId => "netid",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
