namespace Travelers.Generators.Model;

/// <summary>
/// A member's type as the emitter needs it: strings and flags only, compared by value.
/// </summary>
/// <param name="Kind">How it goes on the wire.</param>
/// <param name="TypeName">Fully qualified C# name with nullable annotations, e.g. <c>global::System.Collections.Generic.List&lt;string?&gt;</c>.</param>
/// <param name="IsReferenceType">Whether it is a reference type.</param>
/// <param name="IsAnnotated">Whether it is declared nullable (<c>string?</c>).</param>
/// <param name="Element">Element, value, Nullable's underlying type, or an enum's underlying type.</param>
/// <param name="Key">A dictionary's key type.</param>
/// <param name="Serializer">For <see cref="WireKind.Custom"/>: the serializer's fully qualified name.</param>
/// <param name="Schema">The wire type as written into the protocol fingerprint.</param>
/// <param name="MinWireSize">The fewest bytes one value takes on the wire (bounds collection counts before allocating).</param>
internal sealed record TypeModel(
    WireKind Kind,
    string TypeName,
    bool IsReferenceType,
    bool IsAnnotated,
    TypeModel? Element,
    TypeModel? Key,
    string? Serializer,
    string Schema,
    int MinWireSize)
{
    /// <summary>Fixed-width values whose little-endian bytes are their memory bytes: block-copyable.</summary>
    public bool IsBlittableWire => Kind switch
    {
        WireKind.Byte or WireKind.SByte or WireKind.Int16 or WireKind.UInt16 or WireKind.Char or WireKind.Int32
            or WireKind.UInt32 or WireKind.Int64 or WireKind.UInt64 or WireKind.Half or WireKind.Single or WireKind.Double
            or WireKind.Vector2 or WireKind.Vector3 or WireKind.Vector4 or WireKind.Quaternion or WireKind.TimeSpan
            or WireKind.NetId => true,
        WireKind.Enum => Element!.IsBlittableWire,
        _ => false,
    };

    /// <summary>The size of a fixed-width value, or 0.</summary>
    public int FixedSize => Kind switch
    {
        WireKind.Boolean or WireKind.Byte or WireKind.SByte => 1,
        WireKind.Int16 or WireKind.UInt16 or WireKind.Char or WireKind.Half => 2,
        WireKind.Int32 or WireKind.UInt32 or WireKind.Single or WireKind.NetId => 4,
        WireKind.Int64 or WireKind.UInt64 or WireKind.Double or WireKind.Vector2 or WireKind.TimeSpan or WireKind.DateTime => 8,
        WireKind.Vector3 => 12,
        WireKind.Int128 or WireKind.UInt128 or WireKind.Decimal or WireKind.Vector4 or WireKind.Quaternion or WireKind.Guid => 16,
        WireKind.Enum => Element!.FixedSize,
        _ => 0,
    };

    /// <summary>Null-forgiving suffix for a read assigned to this type: reads of reference types return nullable values.</summary>
    public string Bang => IsReferenceType && !IsAnnotated ? "!" : string.Empty;
}
