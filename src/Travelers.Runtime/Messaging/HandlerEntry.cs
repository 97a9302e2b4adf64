using System;

namespace Travelers.Messaging;

/// <summary>A registered <see cref="MessageHandler{T}"/> with the code that reads its message type.</summary>
internal abstract class HandlerEntry
{
    /// <summary>Reads one message from <paramref name="body"/> and calls the handler.</summary>
    /// <exception cref="NetSerializationException">The body is malformed (the sender's fault).</exception>
    public abstract void Invoke(NetConnection from, ReadOnlySpan<byte> body, NetLimits limits);

    /// <summary>The handler for <typeparamref name="T"/>.</summary>
    public sealed class Of<T> : HandlerEntry
        where T : INetMessage<T>
    {
        private readonly MessageHandler<T> _handler;

        public Of(MessageHandler<T> handler) => _handler = handler;

        public override void Invoke(NetConnection from, ReadOnlySpan<byte> body, NetLimits limits)
        {
            T message = NetSerializer.Deserialize<T>(body, limits);
            _handler(from, in message);
        }
    }
}
