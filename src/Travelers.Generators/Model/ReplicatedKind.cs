namespace Travelers.Generators.Model;

/// <summary>How a replicated member is packed into a delta. An enum takes the kind of its underlying type.</summary>
internal enum ReplicatedKind
{
    Boolean,
    Byte,
    SByte,
    Int16,
    UInt16,
    Char,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Single,
    Double,
    Vector2,
    Vector3,
    Vector4,
    Quaternion,
    String,
    NetId,
}
