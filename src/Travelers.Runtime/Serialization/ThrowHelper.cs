using System;
using System.Diagnostics.CodeAnalysis;

namespace Travelers;

/// <summary>
/// Out-of-line throws keep the fast paths of the writer and reader small enough to inline. Each takes
/// the schema of the message being read or written and the member index, so the exception names the
/// type and member without any try/catch in generated code.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void EndOfInput(string? schema, int member, string what, int needed, int remaining, long offset) =>
        throw Create(schema, member, $"input ended while reading {what} ({needed} bytes needed, {remaining} left)", offset);

    [DoesNotReturn]
    public static void Malformed(string? schema, int member, string detail, long offset) =>
        throw Create(schema, member, detail, offset);

    [DoesNotReturn]
    public static void DestinationTooSmall(string? schema, int member, int needed, long offset) =>
        throw Create(schema, member, $"the destination span is full ({needed} more bytes needed)", offset);

    [DoesNotReturn]
    public static void LimitExceeded(string? schema, int member, string what, long value, long limit, long offset) =>
        throw Create(schema, member, $"{what} {value} is over the limit of {limit}", offset);

    public static NetSerializationException Create(string? schema, int member, string detail, long offset, Exception? inner = null) =>
        new(detail, offset, SchemaText.TypeName(schema), SchemaText.MemberName(schema, member), inner);

    /// <summary>An exception from user code (a constructor, a custom serializer), located like the reader's own.</summary>
    public static NetSerializationException FromUserCode(string? schema, int member, Exception exception, long offset) =>
        Create(schema, member, $"{exception.GetType().Name}: {exception.Message}", offset, exception);
}
