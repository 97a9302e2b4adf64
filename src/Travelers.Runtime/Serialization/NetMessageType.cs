using System;
using System.Buffers;

namespace Travelers;

/// <summary>
/// One registered message type: its id, name and schema, and entry points that take the id's type
/// without knowing it statically. The messaging layer looks messages up by id through
/// <see cref="NetMessageRegistry"/> and reaches generic code through <see cref="Accept"/>.
/// </summary>
public abstract class NetMessageType
{
    private protected NetMessageType(ulong id, Type type, string schema)
    {
        Id = id;
        Type = type;
        Schema = schema;
    }

    /// <summary>The 64-bit stable id.</summary>
    public ulong Id { get; }

    /// <summary>The CLR type.</summary>
    public Type Type { get; }

    /// <summary>The full name, as hashed into the id.</summary>
    public string Name => Type.FullName!.Replace('+', '.');

    /// <summary>The schema hashed into the protocol fingerprint.</summary>
    public string Schema { get; }

    /// <summary>Creates the entry for <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <returns>The entry.</returns>
    public static NetMessageType Create<T>()
        where T : INetMessage<T> => new Typed<T>();

    /// <summary>Reads a message of this type, boxed (for tools and logs; games use <see cref="NetSerializer"/>).</summary>
    /// <param name="bytes">The serialized message.</param>
    /// <param name="limits">The limits to enforce.</param>
    /// <returns>The message.</returns>
    public abstract object Deserialize(ReadOnlySpan<byte> bytes, NetLimits limits);

    /// <summary>Writes a boxed message of this type.</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="message">A message of exactly this type.</param>
    public abstract void Serialize(IBufferWriter<byte> output, object message);

    /// <summary>Calls <see cref="INetMessageTypeVisitor.Visit{T}"/> with this entry's type, so code that is
    /// generic over messages can be reached from an id without reflection or boxing.</summary>
    /// <param name="visitor">The visitor.</param>
    public abstract void Accept(INetMessageTypeVisitor visitor);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (0x{Id:X16})";

    private sealed class Typed<T> : NetMessageType
        where T : INetMessage<T>
    {
        public Typed()
            : base(T.MessageId, typeof(T), T.MessageSchema)
        {
        }

        public override object Deserialize(ReadOnlySpan<byte> bytes, NetLimits limits) => NetSerializer.Deserialize<T>(bytes, limits);

        public override void Serialize(IBufferWriter<byte> output, object message)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (message is not T typed)
            {
                throw new ArgumentException($"Expected a {typeof(T)}, got a {message.GetType()}.", nameof(message));
            }

            NetSerializer.Serialize(output, in typed);
        }

        public override void Accept(INetMessageTypeVisitor visitor) => visitor.Visit<T>();
    }
}
