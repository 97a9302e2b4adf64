namespace Travelers.Messaging;

/// <summary>What an I/O thread hands to <c>Poll()</c>, in the order it happened on each connection.</summary>
internal readonly struct Inbound
{
    public Inbound(InboundKind kind, NetConnection connection, byte[]? buffer = null, int length = 0, DisconnectInfo info = default, Handshake.Hello? hello = null)
    {
        Kind = kind;
        Connection = connection;
        Buffer = buffer;
        Length = length;
        Info = info;
        Hello = hello;
    }

    public InboundKind Kind { get; }

    public NetConnection Connection { get; }

    /// <summary>A batch frame's body, from <see cref="FramePool"/>, for <see cref="InboundKind.Messages"/>.</summary>
    public byte[]? Buffer { get; }

    public int Length { get; }

    public DisconnectInfo Info { get; }

    public Handshake.Hello? Hello { get; }
}

/// <summary>The kinds of <see cref="Inbound"/>.</summary>
internal enum InboundKind : byte
{
    /// <summary>A client's hello waiting for approval (server).</summary>
    Hello,

    /// <summary>The handshake completed: raise ConnectionOpened.</summary>
    Opened,

    /// <summary>A batch of messages to dispatch.</summary>
    Messages,

    /// <summary>The connection ended: raise ConnectionClosed if it was opened.</summary>
    Closed,

    /// <summary>A snapshot part for the client's world (client).</summary>
    Snapshot,
}
