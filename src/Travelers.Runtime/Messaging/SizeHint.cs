using System;

namespace Travelers.Messaging;

/// <summary>
/// The usual size of a <typeparamref name="T"/>'s body: its packed size when fixed, else 64 bytes, raised to the
/// largest seen (up to 64 KB). The links reserve this much when they serialize a message straight into their
/// output, so that the first try rarely overflows.
/// </summary>
internal static class SizeHint<T>
    where T : INetMessage<T>
{
    private const int Largest = 64 * 1024;

    /// <summary>The bytes to expect.</summary>
    public static int Value = T.PackedSize > 0 ? Math.Min(T.PackedSize, Largest) : 64;

    /// <summary>Raises the hint to <paramref name="size"/> if that is larger (and not past 64 KB).</summary>
    public static void Observe(int size)
    {
        if (size > Value && size <= Largest)
        {
            Value = size;
        }
    }
}
