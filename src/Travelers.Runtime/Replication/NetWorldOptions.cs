using System;

namespace Travelers;

/// <summary>How the server's <see cref="NetWorld"/> replicates entities (<see cref="NetServerOptions.World"/>).</summary>
public sealed class NetWorldOptions
{
    /// <summary>Who sees what. Default: <c>new GridInterest(cellSize: 64f, viewRadius: 256f)</c>.</summary>
    public IInterestPolicy Interest { get; set; } = new GridInterest();

    /// <summary>
    /// Snapshot bytes each client may be sent per second. What does not fit waits for a later tick with rising
    /// priority. Default 64 KB/s (512 kbit/s).
    /// </summary>
    public int BudgetBytesPerSecond { get; set; } = 64 * 1024;

    /// <summary>
    /// How many ticks of states the server keeps for deltas (a power of two, 8 to 64, the most a client keeps): a
    /// changing entity whose newest acknowledged state is older is sent in full. Default 32 (about a second at 30 Hz).
    /// </summary>
    public int SnapshotHistory { get; set; } = 32;

    /// <summary>Most entities alive in the world at once (at most 2^20 − 1). Default 65,536.</summary>
    public int MaxEntities { get; set; } = 65_536;

    internal void Validate()
    {
        if (Interest is null)
        {
            throw new ArgumentException("NetWorldOptions.Interest must not be null.", nameof(Interest));
        }

        if (BudgetBytesPerSecond < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(BudgetBytesPerSecond), BudgetBytesPerSecond, "NetWorldOptions.BudgetBytesPerSecond must be at least 1024.");
        }

        if (SnapshotHistory is < 8 or > Replication.SnapshotFormat.ClientHistory || (SnapshotHistory & (SnapshotHistory - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SnapshotHistory), SnapshotHistory, $"NetWorldOptions.SnapshotHistory must be a power of two from 8 to {Replication.SnapshotFormat.ClientHistory}.");
        }

        if (MaxEntities < 1 || MaxEntities > (1 << NetId.SlotBits) - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntities), MaxEntities, $"NetWorldOptions.MaxEntities must be from 1 to {(1 << NetId.SlotBits) - 1}.");
        }
    }
}
