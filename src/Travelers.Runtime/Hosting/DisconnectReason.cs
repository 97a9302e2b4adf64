namespace Travelers;

/// <summary>Why a connection ended (see <see cref="DisconnectInfo"/>).</summary>
public enum DisconnectReason
{
    /// <summary>Closed on purpose by the peer or by this side (<c>DisposeAsync</c>), or the peer's stream ended cleanly.</summary>
    Graceful = 0,

    /// <summary>Nothing arrived in time: no handshake, a frame held open, silence past the idle timeout, or the connection was lost.</summary>
    Timeout = 1,

    /// <summary>The server's approval refused the client.</summary>
    Refused = 2,

    /// <summary>The two sides speak different protocols: version or message schemas differ.</summary>
    ProtocolMismatch = 3,

    /// <summary>The peer sent bytes that break the protocol (malformed, unknown type, frame too large).</summary>
    ProtocolViolation = 4,

    /// <summary>The peer did not read what was sent to it and the unsent bytes passed the cap.</summary>
    Backpressure = 5,

    /// <summary>The other side disconnected this connection with a reason (<see cref="NetConnection.Disconnect"/>).</summary>
    Kicked = 6,

    /// <summary>The server is stopping.</summary>
    ServerShutdown = 7,
}
