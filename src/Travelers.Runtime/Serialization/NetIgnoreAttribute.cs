using System;

namespace Travelers;

/// <summary>Leaves a public field or property of a <see cref="NetMessageAttribute">[NetMessage]</see> type off the wire.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
public sealed class NetIgnoreAttribute : Attribute
{
}
