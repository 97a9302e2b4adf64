using System;

namespace Travelers;

/// <summary>
/// Bytes that cannot be deserialized (malformed, truncated, hostile, over a limit) or a value that
/// cannot be serialized. The message names the message type, the member and the byte offset.
/// </summary>
public sealed class NetSerializationException : Exception
{
    /// <summary>Creates an exception for a failure at <paramref name="offset"/> not yet tied to a member.</summary>
    /// <param name="detail">What went wrong, e.g. "input ended while reading UInt32 (4 bytes needed, 2 left)".</param>
    /// <param name="offset">The byte offset in the message where it went wrong.</param>
    public NetSerializationException(string detail, long offset)
        : this(detail, offset, null, null, null)
    {
    }

    /// <summary>Creates an exception for a failure in a member of a message type.</summary>
    /// <param name="detail">What went wrong.</param>
    /// <param name="offset">The byte offset in the message.</param>
    /// <param name="messageType">The full name of the message type being read or written.</param>
    /// <param name="member">The member being read or written.</param>
    /// <param name="innerException">The failure in user code (a constructor, a custom serializer), if any.</param>
    public NetSerializationException(string detail, long offset, string? messageType, string? member, Exception? innerException)
        : base(Format(detail, offset, messageType, member), innerException)
    {
        Detail = detail;
        Offset = offset;
        MessageType = messageType;
        Member = member;
    }

    /// <summary>What went wrong, without the location.</summary>
    public string Detail { get; }

    /// <summary>Byte offset in the message where it went wrong.</summary>
    public long Offset { get; }

    /// <summary>Full name of the message type, when known.</summary>
    public string? MessageType { get; }

    /// <summary>The member being read or written, when known.</summary>
    public string? Member { get; }

    private static string Format(string detail, long offset, string? messageType, string? member) =>
        messageType is null
            ? $"At byte offset {offset}: {detail}"
            : member is null
                ? $"{messageType} at byte offset {offset}: {detail}"
                : $"{messageType}.{member} at byte offset {offset}: {detail}";
}
