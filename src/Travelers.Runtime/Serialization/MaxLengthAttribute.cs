using System;

namespace Travelers;

/// <summary>
/// Limits a string (in UTF-16 chars, as <see cref="string.Length"/>), a collection (in elements) or a
/// byte array (in bytes) for one member. Both writer and reader enforce it: the writer refuses to send
/// what a peer would refuse, and the reader refuses before allocating.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
public sealed class MaxLengthAttribute : Attribute
{
    /// <summary>Creates the limit.</summary>
    /// <param name="length">The largest length allowed; must be greater than zero.</param>
    public MaxLengthAttribute(int length) => Length = length;

    /// <summary>The largest length allowed.</summary>
    public int Length { get; }
}
