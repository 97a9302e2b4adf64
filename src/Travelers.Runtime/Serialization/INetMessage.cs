namespace Travelers;

/// <summary>
/// Implemented by the source generator for every <see cref="NetMessageAttribute">[NetMessage]</see> type.
/// User code calls <see cref="NetSerializer"/> rather than these members.
/// </summary>
/// <typeparam name="TSelf">The message type.</typeparam>
public interface INetMessage<TSelf> where TSelf : INetMessage<TSelf>
{
    /// <summary>The 64-bit stable id: the explicit <see cref="NetMessageAttribute.Id"/> or the stable hash of the full name.</summary>
    static abstract ulong MessageId { get; }

    /// <summary>The message's schema (full name, id, members in order with their wire types and limits),
    /// hashed into the protocol fingerprint.</summary>
    static abstract string MessageSchema { get; }

    /// <summary>Writes the message's members.</summary>
    static abstract void Serialize(ref NetWriter writer, in TSelf value);

    /// <summary>Reads the message's members; throws <see cref="NetSerializationException"/> on bad input.</summary>
    static abstract TSelf Deserialize(ref NetReader reader);

    /// <summary>
    /// The size in bytes of a value whose wire form is exactly its first bytes in memory (a struct of
    /// fixed-width little-endian fields laid out contiguously from offset 0), or 0. Arrays of such
    /// values are copied as blocks.
    /// </summary>
    static virtual int PackedSize => 0;

    /// <summary>
    /// Whether reading or writing the message can run code other than Travelers' own: an accessor or a
    /// constructor with a body, an initializer that calls something, a custom serializer, or a nested
    /// message that does. <see cref="NetSerializer"/> turns exceptions from such code into
    /// <see cref="NetSerializationException"/>; the generator emits <c>false</c> only for messages it
    /// has checked run none, so that the serializer can skip that exception handler on their fast path.
    /// </summary>
    static virtual bool RunsUserCode => true;
}
