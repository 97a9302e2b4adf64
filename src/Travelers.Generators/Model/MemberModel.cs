namespace Travelers.Generators.Model;

/// <summary>One serialized member, in wire order.</summary>
/// <param name="Name">The member's name.</param>
/// <param name="Type">Its type.</param>
/// <param name="IsField">A field (can be part of a block-copied run) rather than a property.</param>
/// <param name="ConstructorParameter">Position of the matching constructor parameter, or -1 when set after construction.</param>
/// <param name="IsInitOnly">Set in an object initializer (init accessor or required member).</param>
/// <param name="MaxLength">[MaxLength] value, or 0.</param>
/// <param name="VarInt">[VarInt] on an integer member.</param>
internal sealed record MemberModel(
    string Name,
    TypeModel Type,
    bool IsField,
    int ConstructorParameter,
    bool IsInitOnly,
    int MaxLength,
    bool VarInt)
{
    public string Schema =>
        Name + ":" + Type.Schema + (MaxLength > 0 ? "[max=" + MaxLength + "]" : string.Empty) + (VarInt ? "[varint]" : string.Empty);
}
