namespace Travelers.Generators.Model;

/// <summary>How a value goes on the wire.</summary>
internal enum WireKind
{
    Boolean, Byte, SByte, Int16, UInt16, Char, Int32, UInt32, Int64, UInt64, Int128, UInt128,
    Half, Single, Double, Decimal, Vector2, Vector3, Vector4, Quaternion, Guid, DateTime, TimeSpan,
    NetId, String, Enum, ByteArray, ByteMemory, Array, List, HashSet, Dictionary, Nullable, Message, Custom,
}
