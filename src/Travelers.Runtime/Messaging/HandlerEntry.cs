using System;

namespace Travelers.Messaging;

/// <summary>A registered <see cref="MessageHandler{T}"/> with the code that reads its message type.</summary>
internal abstract class HandlerEntry
{
    /// <summary>Reads one message from <paramref name="body"/> and calls the handler.</summary>
    /// <exception cref="NetProtocolException">The body is malformed (the sender's fault).</exception>
    public abstract void Invoke(NetConnection from, ReadOnlySpan<byte> body, NetLimits limits);

    /// <summary>The handler for <typeparamref name="T"/>.</summary>
    public sealed class Of<T> : HandlerEntry
        where T : INetMessage<T>
    {
        private readonly MessageHandler<T> _handler;

        public Of(MessageHandler<T> handler) => _handler = handler;

        public override void Invoke(NetConnection from, ReadOnlySpan<byte> body, NetLimits limits)
        {
            T message;
            try
            {
                message = NetSerializer.Deserialize<T>(body, limits);
            }
            catch (NetSerializationException e)
            {
                // The sender's fault, not the handler's: the connection closes; exceptions of the handler itself
                // go to the caller of Poll().
                throw new NetProtocolException($"a malformed message: {e.Message}", e);
            }

            _handler(from, in message);
        }
    }
}
