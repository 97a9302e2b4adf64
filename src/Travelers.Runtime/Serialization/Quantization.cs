using System;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Travelers;

/// <summary>
/// Turns floats and rotations into small integers for <see cref="BitWriter"/>: a position in [-512, 512] to
/// 1/512 is 20 bits instead of 32, a rotation 2 + 3 × 9 bits instead of 128.
/// </summary>
public static class Quantization
{
    // Float bounds carry representation error (0.3f / 0.1f is 3.0000001): a range within this much of a whole
    // number of steps is taken as that number, so that it does not cost a step, and sometimes a bit, more. The
    // top of the range is then at most a quarter step past the last step, still within half a step of it.
    private const double StepTolerance = 1.0 / (1 << 20);
    private const double MaxStepTolerance = 0.25;

    // The three smaller components of a unit quaternion are each within ±1/√2.
    private const double SmallestThreeRange = 0.70710678118654752440;

    /// <summary>The bits that hold every value from 0 to <paramref name="maxValue"/>: 0 for 0 (a value that can only be 0 needs none), 1 for 1, 8 for 255, 9 for 256.</summary>
    /// <param name="maxValue">The largest value.</param>
    /// <returns>0 to 32.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BitsFor(uint maxValue) => 32 - BitOperations.LeadingZeroCount(maxValue);

    /// <summary>
    /// The bits <see cref="Quantize"/> needs for [<paramref name="min"/>, <paramref name="max"/>] to
    /// <paramref name="precision"/>: it makes steps = ceil((max - min) / precision) intervals, so values 0 to steps.
    /// For example (0, 100, 0.5): 200 steps, 201 values, 8 bits; (-512, 512, 1/512): 524 288 steps, 20 bits.
    /// </summary>
    /// <param name="min">The smallest value, finite.</param>
    /// <param name="max">The largest value, finite and above <paramref name="min"/>.</param>
    /// <param name="precision">The step, finite and above 0.</param>
    /// <returns>1 to 32.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range, or the steps need more than 32 bits (named <paramref name="precision"/>).</exception>
    public static int BitsFor(float min, float max, float precision) => BitsFor((uint)Steps(min, max, precision));

    /// <summary>
    /// A replicated string as the wire can carry it: cut to <paramref name="maxChars"/> (never inside a surrogate
    /// pair), and with any unpaired surrogate (which UTF-8 cannot encode) replaced by U+FFFD. Each change is
    /// counted in <paramref name="clamped"/>. Returns <paramref name="value"/> itself, not a copy, when it fits.
    /// </summary>
    /// <param name="value">The string, or null.</param>
    /// <param name="maxChars">The most chars kept; positive.</param>
    /// <param name="clamped">Incremented when the string was cut or repaired.</param>
    /// <returns>The string to capture.</returns>
    public static string? FitText(string? value, int maxChars, ref int clamped)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > maxChars)
        {
            value = value[..(char.IsHighSurrogate(value[maxChars - 1]) ? maxChars - 1 : maxChars)];
            clamped++;
        }

        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (!char.IsSurrogate(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            clamped++;
            return Repair(value);
        }

        return value;
    }

    private static string Repair(string value) => string.Create(value.Length, value, static (chars, source) =>
    {
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
            {
                chars[i] = c;
                chars[i + 1] = source[++i];
            }
            else
            {
                chars[i] = char.IsSurrogate(c) ? '\uFFFD' : c;
            }
        }
    });

    /// <summary>
    /// The largest step <see cref="Quantize"/> returns for the range: the step of <paramref name="max"/>. That is
    /// ceil((max - min) / precision) of <see cref="BitsFor(float, float, float)"/>, or one less when max lies less
    /// than half a step past the step before (the last step is then past max, and no value rounds to it). A step
    /// read from the wire above it was not written by a Travelers peer.
    /// </summary>
    /// <param name="min">The smallest value, finite.</param>
    /// <param name="max">The largest value, finite and above <paramref name="min"/>.</param>
    /// <param name="precision">The step, finite and above 0.</param>
    /// <returns>The largest step.</returns>
    /// <exception cref="ArgumentOutOfRangeException">As for <see cref="BitsFor(float, float, float)"/>.</exception>
    public static uint MaxQuantized(float min, float max, float precision) => Quantize(max, min, max, precision, out _);

    /// <summary>
    /// The step nearest <paramref name="value"/>: round((value - min) / precision), from 0 to the steps of
    /// <see cref="BitsFor(float, float, float)"/>. Within [min, max] the step comes back from
    /// <see cref="Dequantize"/> within precision / 2 of the value (and a float's rounding).
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="min">The smallest value, finite.</param>
    /// <param name="max">The largest value, finite and above <paramref name="min"/>.</param>
    /// <param name="precision">The step, finite and above 0.</param>
    /// <param name="clamped">
    /// Whether <paramref name="value"/> was outside [min, max] (and so stored as min or max), or NaN (stored as min).
    /// </param>
    /// <returns>The step.</returns>
    /// <exception cref="ArgumentOutOfRangeException">As for <see cref="BitsFor(float, float, float)"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Quantize(float value, float min, float max, float precision, out bool clamped)
    {
        double steps = Steps(min, max, precision);
        double v = value;
        clamped = false;
        if (!(v >= min))
        {
            clamped = true;
            v = min;
        }
        else if (v > max)
        {
            clamped = true;
            v = max;
        }

        // In double, whose rounding of float inputs is far below a step.
        return (uint)Math.Min(Math.Floor(((v - min) / precision) + 0.5), steps);
    }

    /// <summary>
    /// The value of step <paramref name="quantized"/>: min + quantized × precision, never above
    /// <paramref name="max"/> (a step past the last, from hostile input, is <paramref name="max"/>).
    /// </summary>
    /// <param name="quantized">The step.</param>
    /// <param name="min">The smallest value, finite.</param>
    /// <param name="max">The largest value, finite and above <paramref name="min"/>.</param>
    /// <param name="precision">The step, finite and above 0.</param>
    /// <returns>The value, within [min, max].</returns>
    /// <exception cref="ArgumentOutOfRangeException">As for <see cref="BitsFor(float, float, float)"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dequantize(uint quantized, float min, float max, float precision)
    {
        double steps = Steps(min, max, precision);
        double value = min + (Math.Min(quantized, steps) * precision);

        // Rounding to float cannot pass max: max is a float and rounding keeps order.
        return (float)Math.Min(value, max);
    }

    /// <summary>
    /// Writes a rotation as "smallest three": 2 bits for the index (X, Y, Z, W = 0 to 3) of the component largest
    /// in magnitude, then the other three in index order, each in [-1/√2, +1/√2] as <paramref name="bitsPerComponent"/>
    /// bits. Costs 2 + 3 × <paramref name="bitsPerComponent"/> bits.
    /// </summary>
    /// <remarks>
    /// The rotation is normalized first, and negated when its largest component is negative (q and -q are the same
    /// rotation), so the reader can rebuild that component as √(1 - a² - b² - c²). Each component takes one of
    /// 2^bits - 1 levels, symmetric about 0 so that 0 is exact (identity comes back exactly); the greatest error
    /// of a stored component is (1/√2) / (2^bits - 2). A zero, NaN or infinite quaternion is written as identity.
    /// </remarks>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The rotation; need not be normalized.</param>
    /// <param name="bitsPerComponent">Bits for each of the three components, 2 to 24 (a float holds 24 significant bits: finer levels would not come back as they went).</param>
    public static void WriteQuaternion(ref BitWriter writer, Quaternion value, int bitsPerComponent)
    {
        double center = Center(bitsPerComponent);
        double x = value.X, y = value.Y, z = value.Z, w = value.W;
        double lengthSquared = (x * x) + (y * y) + (z * z) + (w * w);
        if (!double.IsFinite(lengthSquared) || lengthSquared == 0)
        {
            (x, y, z, w) = (0, 0, 0, 1);
        }
        else
        {
            double inverse = 1 / Math.Sqrt(lengthSquared);
            (x, y, z, w) = (x * inverse, y * inverse, z * inverse, w * inverse);
        }

        int largest = 0;
        double largestMagnitude = Math.Abs(x);
        if (Math.Abs(y) > largestMagnitude)
        {
            (largest, largestMagnitude) = (1, Math.Abs(y));
        }

        if (Math.Abs(z) > largestMagnitude)
        {
            (largest, largestMagnitude) = (2, Math.Abs(z));
        }

        if (Math.Abs(w) > largestMagnitude)
        {
            largest = 3;
        }

        double sign = largest switch { 0 => x, 1 => y, 2 => z, _ => w } < 0 ? -1 : 1;
        (double a, double b, double c) = largest switch
        {
            0 => (y, z, w),
            1 => (x, z, w),
            2 => (x, y, w),
            _ => (x, y, z),
        };

        double scale = sign * center / SmallestThreeRange;
        uint qa = QuantizeComponent(a * scale, center);
        uint qb = QuantizeComponent(b * scale, center);
        uint qc = QuantizeComponent(c * scale, center);

        // When the two largest components are nearly equal, rounding can leave a stored one above the largest the
        // reader derives, and the value read back would be written with another index: not the same bits twice.
        // One step towards zero on the offender keeps the derived one the largest, so writing what was read writes
        // the same bits (and a client holds exactly what the server captured).
        double step = SmallestThreeRange / center;
        for (int guard = 0; guard < 8; guard++)
        {
            double da = Math.Abs(((double)qa - center) * step), db = Math.Abs(((double)qb - center) * step), dc = Math.Abs(((double)qc - center) * step);
            double d = Math.Sqrt(Math.Max(0, 1 - (da * da) - (db * db) - (dc * dc)));
            double margin = d - 1e-6;
            if (da < margin && db < margin && dc < margin)
            {
                break;
            }

            ref uint offender = ref da >= db && da >= dc ? ref qa : ref db >= dc ? ref qb : ref qc;
            offender = offender > center ? offender - 1 : offender + 1;
        }

        writer.WriteBits((uint)largest, 2);
        writer.WriteBits(qa, bitsPerComponent);
        writer.WriteBits(qb, bitsPerComponent);
        writer.WriteBits(qc, bitsPerComponent);
    }

    /// <summary>Reads a rotation written by <see cref="WriteQuaternion"/> with the same <paramref name="bitsPerComponent"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="bitsPerComponent">Bits for each of the three components, 2 to 24 (a float holds 24 significant bits: finer levels would not come back as they went).</param>
    /// <returns>
    /// The rotation, normalized, with its largest component positive; identity when the reader has failed
    /// (<see cref="BitReader.IsOverrun"/>). Any input gives a unit quaternion.
    /// </returns>
    public static Quaternion ReadQuaternion(ref BitReader reader, int bitsPerComponent)
    {
        double center = Center(bitsPerComponent);
        int largest = (int)reader.ReadBits(2);
        double step = SmallestThreeRange / center;

        // The all-ones pattern is not a level: from hostile input it is taken as the top level.
        double a = (Math.Min(reader.ReadBits(bitsPerComponent), 2 * center) - center) * step;
        double b = (Math.Min(reader.ReadBits(bitsPerComponent), 2 * center) - center) * step;
        double c = (Math.Min(reader.ReadBits(bitsPerComponent), 2 * center) - center) * step;
        if (reader.IsOverrun || reader.IsInvalid)
        {
            return Quaternion.Identity;
        }

        double d = Math.Sqrt(Math.Max(0, 1 - (a * a) - (b * b) - (c * c)));
        (double x, double y, double z, double w) = largest switch
        {
            0 => (d, a, b, c),
            1 => (a, d, b, c),
            2 => (a, b, d, c),
            _ => (a, b, c, d),
        };

        // Never zero: when a, b and c are all 0, d is 1.
        double inverse = 1 / Math.Sqrt((x * x) + (y * y) + (z * z) + (w * w));
        return new Quaternion((float)(x * inverse), (float)(y * inverse), (float)(z * inverse), (float)(w * inverse));
    }

    /// <summary>
    /// What <paramref name="value"/> becomes after <see cref="WriteQuaternion"/> and <see cref="ReadQuaternion"/>:
    /// what the peer will have, for a server that wants to simulate with it too, or for comparisons.
    /// </summary>
    /// <param name="value">The rotation.</param>
    /// <param name="bitsPerComponent">Bits for each of the three components, 2 to 24 (a float holds 24 significant bits: finer levels would not come back as they went).</param>
    /// <returns>The rotation as read back.</returns>
    public static Quaternion RoundTripQuaternion(Quaternion value, int bitsPerComponent)
    {
        Span<byte> buffer = stackalloc byte[16];
        var writer = new BitWriter(buffer);
        WriteQuaternion(ref writer, value, bitsPerComponent);
        writer.Flush();
        var reader = new BitReader(buffer);
        return ReadQuaternion(ref reader, bitsPerComponent);
    }

    /// <summary>The level of 0 among the 2^bits - 1 levels of a smallest-three component (so 2 × center is the top).</summary>
    private static double Center(int bitsPerComponent)
    {
        if (bitsPerComponent is < 2 or > 24)
        {
            ThrowOutOfRange(nameof(bitsPerComponent), bitsPerComponent, "Each component takes 2 to 24 bits: a float holds 24 significant bits, and finer levels would not be written the same after a round trip.");
        }

        return (1UL << (bitsPerComponent - 1)) - 1;
    }

    /// <summary>A component already scaled to levels (-center to +center), rounded to the nearest and offset to 0 to 2 × center.</summary>
    private static uint QuantizeComponent(double scaled, double center) =>
        (uint)(Math.Clamp(Math.Floor(scaled + 0.5), -center, center) + center);

    /// <summary>
    /// ceil((max - min) / precision), less the representation tolerance, checked to fit 32 bits. Inlined, so that
    /// with constant bounds (as generated code passes them) the checks and the division fold away.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Steps(float min, float max, float precision)
    {
        if (!float.IsFinite(min))
        {
            ThrowOutOfRange(nameof(min), min, "The minimum must be finite.");
        }

        if (!float.IsFinite(max) || !(max > min))
        {
            ThrowOutOfRange(nameof(max), max, "The maximum must be finite and above the minimum.");
        }

        if (!float.IsFinite(precision) || !(precision > 0))
        {
            ThrowOutOfRange(nameof(precision), precision, "The precision must be finite and above 0.");
        }

        double exact = ((double)max - min) / precision;
        double steps = Math.Ceiling(exact - Math.Min(exact * StepTolerance, MaxStepTolerance));
        if (steps > uint.MaxValue)
        {
            ThrowTooManySteps(precision, steps);
        }

        return steps;
    }

    [DoesNotReturn]
    private static void ThrowTooManySteps(float precision, double steps) =>
        ThrowOutOfRange(nameof(precision), precision, $"The range to this precision takes {steps} steps, more than 32 bits hold.");

    [DoesNotReturn]
    private static void ThrowOutOfRange(string name, object value, string message) =>
        throw new ArgumentOutOfRangeException(name, value, message);
}
