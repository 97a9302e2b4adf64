using System.Globalization;
using Travelers.Transport.Simulation;

namespace Travelers.RelayTool;

/// <summary>Counters of one direction of the relay (clients to server, or server to clients).</summary>
/// <param name="Received">Datagrams that entered the simulated link.</param>
/// <param name="Relayed">Datagrams sent on, duplicates included.</param>
/// <param name="Dropped">Lost by the simulated loss.</param>
/// <param name="Duplicated">Extra copies.</param>
/// <param name="Corrupted">Copies with a flipped bit.</param>
/// <param name="Reordered">Copies held back so that later ones overtook them.</param>
/// <param name="OverBandwidth">Dropped because more than a second of bandwidth was queued.</param>
/// <param name="Overflowed">Dropped because the simulator held as much as it may.</param>
/// <param name="SendErrors">Sends the operating system refused (e.g. the server's port is closed).</param>
internal readonly record struct DirectionStatistics(
    long Received, long Relayed, long Dropped, long Duplicated, long Corrupted, long Reordered, long OverBandwidth, long Overflowed, long SendErrors)
{
    /// <summary>The counters of a simulator and the send errors of its sink.</summary>
    public static DirectionStatistics Of(DatagramSimulator simulator, long sendErrors) => new(
        simulator.Submitted, simulator.Delivered, simulator.Dropped, simulator.Duplicated, simulator.Corrupted,
        simulator.Reordered, simulator.OverBandwidth, simulator.Overflowed, sendErrors);

    /// <summary>Adds the counters one by one.</summary>
    public static DirectionStatistics operator +(DirectionStatistics left, DirectionStatistics right) => new(
        left.Received + right.Received, left.Relayed + right.Relayed, left.Dropped + right.Dropped, left.Duplicated + right.Duplicated,
        left.Corrupted + right.Corrupted, left.Reordered + right.Reordered, left.OverBandwidth + right.OverBandwidth,
        left.Overflowed + right.Overflowed, left.SendErrors + right.SendErrors);

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"in {Received} out {Relayed} dropped {Dropped} dup {Duplicated} corrupt {Corrupted} reorder {Reordered} over-bw {OverBandwidth} overflow {Overflowed} send-errors {SendErrors}");
}
