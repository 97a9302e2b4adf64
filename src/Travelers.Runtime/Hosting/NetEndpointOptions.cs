using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Travelers;

/// <summary>
/// Options both ends of a connection share. Every option has a safe default; values are checked when the
/// server starts or the client connects, and a bad one fails there with a message naming it.
/// </summary>
public abstract class NetEndpointOptions
{
    /// <summary>The transport. Default <see cref="NetTransport.Tcp"/>; both sides must agree.</summary>
    public NetTransport Transport { get; set; } = NetTransport.Tcp;

    /// <summary>
    /// Largest frame accepted or sent, in bytes: over TCP a frame (a batch of messages), over UDP one message
    /// (fragmented above <see cref="Mtu"/>). Default 524,288 (512 KB, as GameNetworkingSockets). Checked before
    /// anything is buffered for it.
    /// </summary>
    public int MaxFrameBytes { get; set; } = 512 * 1024;

    /// <summary>
    /// Cap on bytes sent to one connection but not yet taken by its socket. A peer that stops reading is
    /// disconnected with <see cref="DisconnectReason.Backpressure"/> when it passes the cap. Default 4 MB.
    /// </summary>
    public int MaxUnsentBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Cap on bytes received from one connection and waiting for <c>Poll()</c>. Past it, that connection's
    /// socket is not read until <c>Poll()</c> catches up (the peer's sends slow down). Default 4 MB.
    /// </summary>
    public int MaxQueuedReceiveBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How often a quiet connection is pinged; pings measure <see cref="NetConnection.Rtt"/>. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An open connection from which nothing arrives for this long is closed with <see cref="DisconnectReason.Timeout"/>, as is a frame left incomplete this long. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Time allowed to complete the connect handshake. It alone bounds the handshake (<see cref="Timeout"/> applies once
    /// the connection is open), so it may be longer than <see cref="Timeout"/> for a lossy network or a slow approval. Default 5 s.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// TCP: compress large frames with LZ4 when both sides enable it (agreed in the handshake; over UDP the server does
    /// not agree, and nothing is compressed). Default false: on a
    /// LAN or for small messages it costs more CPU than it saves, and batches are then staged in a buffer
    /// before going to the socket (one copy) instead of being written into the socket's pipe directly.
    /// </summary>
    public bool EnableCompression { get; set; }

    /// <summary>A batch of at least this many bytes is compressed, when compression is on and it gets smaller. Default 1,024.</summary>
    public int CompressionThreshold { get; set; } = 1024;

    /// <summary>
    /// UDP: the largest datagram payload sent, in bytes. Default 1,200 (as QUIC: it passes every path on the
    /// internet without IP fragmentation). Both sides should use the same value.
    /// </summary>
    public int Mtu { get; set; } = 1200;

    /// <summary>UDP: the number of channels (0 to <c>MaxChannels - 1</c>) for each delivery mode. Default 8; at most 64. Both sides must agree.</summary>
    public int MaxChannels { get; set; } = 8;

    /// <summary>
    /// UDP, server side: datagrams accepted per second from one client (a token bucket holding a second's
    /// worth); a flooding client's excess is dropped before it costs more than a counter. Default 4,000. A
    /// client does not limit what its server sends.
    /// </summary>
    public int MaxPacketsPerSecond { get; set; } = 4000;

    /// <summary>
    /// Simulated network conditions (latency, jitter, loss, duplication, reordering, corruption, bandwidth) for
    /// this endpoint's traffic in both directions, from a seed: for tests, and for trying a game under a bad
    /// network. Over TCP only <see cref="NetworkConditions.Latency"/> and
    /// <see cref="NetworkConditions.BandwidthBytesPerSecond"/> apply (a stream is never lossy, duplicated, reordered or
    /// corrupted: TCP repairs those, at the cost of a delay). Default null (none).
    /// </summary>
    public NetworkConditions? Conditions { get; set; }

    /// <summary>Limits on received messages (string and collection sizes, depth). Default <see cref="NetLimits.Default"/>.</summary>
    public NetLimits? Limits { get; set; }

    /// <summary>Where logs go. Default none.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>The clock for heartbeats and timeouts; tests may pass a fake one. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks every option; throws naming the first bad one.</summary>
    /// <exception cref="ArgumentException">An option has a bad value.</exception>
    internal virtual void Validate()
    {
        string type = GetType().Name;
        Require(Enum.IsDefined(Transport), type, nameof(Transport), Transport, "is not a known transport");
        Require(MaxFrameBytes is >= 1024 and <= 64 * 1024 * 1024, type, nameof(MaxFrameBytes), MaxFrameBytes, "must be between 1,024 and 67,108,864");
        Require(MaxUnsentBytes >= MaxFrameBytes, type, nameof(MaxUnsentBytes), MaxUnsentBytes, $"must be at least MaxFrameBytes ({MaxFrameBytes})");
        Require(MaxQueuedReceiveBytes >= MaxFrameBytes, type, nameof(MaxQueuedReceiveBytes), MaxQueuedReceiveBytes, $"must be at least MaxFrameBytes ({MaxFrameBytes})");
        Require(HeartbeatInterval >= TimeSpan.FromMilliseconds(10), type, nameof(HeartbeatInterval), HeartbeatInterval, "must be at least 10 ms");
        Require(Timeout > HeartbeatInterval, type, nameof(Timeout), Timeout, $"must be longer than HeartbeatInterval ({HeartbeatInterval})");
        Require(HandshakeTimeout > TimeSpan.Zero, type, nameof(HandshakeTimeout), HandshakeTimeout, "must be positive");
        Require(Mtu is >= 576 and <= 65_507, type, nameof(Mtu), Mtu, "must be between 576 and 65,507");
        Require(MaxChannels is >= 1 and <= 64, type, nameof(MaxChannels), MaxChannels, "must be between 1 and 64");
        Require(MaxPacketsPerSecond >= 100, type, nameof(MaxPacketsPerSecond), MaxPacketsPerSecond, "must be at least 100");
        Conditions?.Validate($"{type}.{nameof(Conditions)}");
        Require(CompressionThreshold >= 64, type, nameof(CompressionThreshold), CompressionThreshold, "must be at least 64");
        Require(LoggerFactory is not null, type, nameof(LoggerFactory), "null", "must not be null");
        Require(TimeProvider is not null, type, nameof(TimeProvider), "null", "must not be null");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option when <paramref name="condition"/> is false.</summary>
    internal static void Require(bool condition, string type, string option, object? value, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"{type}.{option} {rule} (it is {value}).", option);
        }
    }
}
