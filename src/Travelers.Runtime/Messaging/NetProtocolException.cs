using System;

namespace Travelers.Messaging;

/// <summary>A peer broke the protocol; the connection closes with <see cref="DisconnectReason.ProtocolViolation"/>.</summary>
internal sealed class NetProtocolException : Exception
{
    public NetProtocolException(string message)
        : base(message)
    {
    }

    public NetProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
