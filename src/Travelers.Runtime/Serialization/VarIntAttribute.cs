using System;

namespace Travelers;

/// <summary>
/// Writes an integer member (or an enum) as a LEB128 varint (zigzag for signed types) instead of
/// fixed width: smaller for values that are usually small, slower to read and write.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
public sealed class VarIntAttribute : Attribute
{
}
