namespace Travelers.Messaging;

/// <summary>The byte after a frame's length prefix: what the frame carries.</summary>
internal enum FrameKind : byte
{
    /// <summary>Client to server, first frame: protocol version, message schemas, connect payload.</summary>
    Hello = 1,

    /// <summary>Server to client: the handshake succeeded; connection id and server time.</summary>
    Accept = 2,

    /// <summary>Server to client: the handshake failed; reason code and text. The server closes after it.</summary>
    Refuse = 3,

    /// <summary>Heartbeat: the sender's timestamp, echoed by <see cref="Pong"/>.</summary>
    Ping = 4,

    /// <summary>Heartbeat answer: the timestamp of the ping it answers.</summary>
    Pong = 5,

    /// <summary>A batch of messages: (type index, length, body) until the end of the frame.</summary>
    Messages = 6,

    /// <summary>The sender is closing: reason code and text. Nothing follows it.</summary>
    Disconnect = 7,

    /// <summary>A batch of messages compressed with LZ4 (block format): varint uncompressed length, then the block. Only once both sides agreed to it.</summary>
    CompressedMessages = 8,

    /// <summary>Server to client: a snapshot part of replicated entities (see Replication/SnapshotFormat). Unreliable over UDP.</summary>
    Snapshot = 9,

    /// <summary>
    /// Client to server: the client could not use a snapshot record (its baseline or entity is missing, e.g. a
    /// part dropped while Poll() was behind): the server sends it every entity in full again.
    /// </summary>
    SnapshotReset = 10,
}
