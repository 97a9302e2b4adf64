using System;

namespace Travelers;

/// <summary>
/// Packs a replicated <see cref="float"/> or vector (each component) as an integer number of
/// <see cref="Precision"/> steps between <see cref="Min"/> and <see cref="Max"/>. Values outside the range
/// are clamped, never wrapped, and counted (<c>travelers.replication.clamped</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false, AllowMultiple = false)]
public sealed class QuantizeAttribute : Attribute
{
    /// <summary>Creates the quantization.</summary>
    /// <param name="min">The smallest value sent.</param>
    /// <param name="max">The largest value sent; greater than <paramref name="min"/>.</param>
    /// <param name="precision">The step; greater than zero, and at most 2^32 steps across the range.</param>
    public QuantizeAttribute(float min, float max, float precision)
    {
        Min = min;
        Max = max;
        Precision = precision;
    }

    /// <summary>The smallest value sent.</summary>
    public float Min { get; }

    /// <summary>The largest value sent.</summary>
    public float Max { get; }

    /// <summary>The step between two values sent.</summary>
    public float Precision { get; }
}
