using System;

namespace Travelers;

/// <summary>A world's counters (<see cref="NetWorld.Statistics"/>).</summary>
public readonly record struct NetWorldStatistics
{
    /// <summary>Entities in the world now.</summary>
    public int Entities { get; init; }

    /// <summary>Server: replicated values clamped to their [Quantize] or [Bits] range, or strings cut to their [MaxLength].</summary>
    public long Clamped { get; init; }

    /// <summary>Server: snapshot bytes sent to all clients (headers of the transport not included).</summary>
    public long BytesSent { get; init; }

    /// <summary>Server: snapshot parts sent.</summary>
    public long PartsSent { get; init; }

    /// <summary>Server: snapshot bytes sent to all clients by the last <see cref="NetWorld.Publish"/>.</summary>
    public long LastPublishBytes { get; init; }

    /// <summary>
    /// Server: records that waited for a later tick in the last <see cref="NetWorld.Publish"/> because a client's budget
    /// (<see cref="NetWorldOptions.BudgetBytesPerSecond"/>) could not carry them, summed over clients. Persistently above
    /// zero: the budget is too small for what the clients see.
    /// </summary>
    public long LastPublishDeferred { get; init; }

    /// <summary>Client: snapshot parts and records dropped as malformed or unusable (see docs/bad-input.md).</summary>
    public long Dropped { get; init; }

    /// <summary>Client: snapshot bytes received.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Client: snapshot parts received.</summary>
    public long PartsReceived { get; init; }

    /// <summary>
    /// Client: the delay interpolation aims for now (twice the server's send interval and three times the jitter, as
    /// measured, within 30 ms to 1 s). <see cref="NetWorld.RenderTime"/> closes on <see cref="NetWorld.ServerTime"/>
    /// minus this gradually (at most 10% faster or slower than the clock), so the actual gap may differ for a while.
    /// </summary>
    public TimeSpan InterpolationDelay { get; init; }
}
