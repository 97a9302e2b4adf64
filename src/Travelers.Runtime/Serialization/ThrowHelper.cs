using System;
using System.Diagnostics.CodeAnalysis;

namespace Travelers;

/// <summary>Out-of-line throws keep the fast paths of the writer and reader small enough to inline.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void EndOfInput(string what, int needed, int remaining, long offset) =>
        throw new NetSerializationException($"input ended while reading {what} ({needed} bytes needed, {remaining} left)", offset);

    [DoesNotReturn]
    public static void Malformed(string detail, long offset) =>
        throw new NetSerializationException(detail, offset);

    [DoesNotReturn]
    public static void DestinationTooSmall(int needed, long offset) =>
        throw new NetSerializationException($"the destination span is full ({needed} more bytes needed)", offset);

    [DoesNotReturn]
    public static void LimitExceeded(string what, long value, long limit, long offset) =>
        throw new NetSerializationException($"{what} {value} is over the limit of {limit}", offset);
}
