namespace Travelers;

/// <summary>
/// Counters of one connection, a snapshot taken when read. Bytes are counted as payload above TCP or UDP
/// (frames and packets with Travelers' headers, without IP or transport headers).
/// </summary>
public readonly record struct ConnectionStatistics
{
    /// <summary>Bytes handed to the socket.</summary>
    public long BytesSent { get; init; }

    /// <summary>Bytes read from the socket.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Socket sends (TCP) or datagrams (UDP).</summary>
    public long PacketsSent { get; init; }

    /// <summary>Socket reads (TCP) or datagrams (UDP).</summary>
    public long PacketsReceived { get; init; }

    /// <summary>Messages sent by the game.</summary>
    public long MessagesSent { get; init; }

    /// <summary>Messages received and dispatched or counted.</summary>
    public long MessagesReceived { get; init; }

    /// <summary>Packets sent again after a loss (always 0 over TCP, which resends below Travelers).</summary>
    public long Resends { get; init; }

    /// <summary>Fraction of packets lost, 0..1 (always 0 over TCP).</summary>
    public double Loss { get; init; }
}
