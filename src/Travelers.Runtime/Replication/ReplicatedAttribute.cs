using System;

namespace Travelers;

/// <summary>
/// Marks a member of a <see cref="NetEntity"/> whose value the server replicates to clients. Partial
/// properties are tracked as they are set; fields are compared each tick. The member's type and any
/// <see cref="QuantizeAttribute"/>, <see cref="BitsAttribute"/> or <see cref="MaxLengthAttribute"/> decide
/// how it is packed. Writes on a client change only that client's copy: they never reach the server.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class ReplicatedAttribute : Attribute
{
}
