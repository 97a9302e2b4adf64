using System;

namespace Travelers;

/// <summary>
/// The width of a replicated integer or enum on the wire: an unsigned type holds 0 to 2^n − 1, a signed one
/// −2^(n−1) to 2^(n−1) − 1; values outside are clamped, never wrapped, and counted. On a
/// <see cref="System.Numerics.Quaternion"/> it selects the smallest-three encoding with n bits for each of the
/// three smaller components (2 more bits name the largest).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class BitsAttribute : Attribute
{
    /// <summary>Creates the width.</summary>
    /// <param name="bits">From 1 to the type's own width (integers), or 4 to 16 (quaternions).</param>
    public BitsAttribute(int bits) => Bits = bits;

    /// <summary>The width in bits.</summary>
    public int Bits { get; }
}
