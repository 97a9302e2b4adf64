using System.Numerics;
using Travelers;

namespace Travelers.Replication.Benchmarks;

/// <summary>
/// The cube of Glenn Fiedler's "Snapshot Compression": position to 1/512 m, smallest-three orientation with 9 bits
/// per component, linear velocity to 1/64 m/s, and whether the player is pushing it. Relevant to every client.
/// </summary>
public partial class Cube : NetEntity
{
    [Replicated, Quantize(-256, 256, 1f / 512)] public partial Vector3 Position { get; set; }

    [Replicated, Bits(9)] public partial Quaternion Orientation { get; set; }

    [Replicated, Quantize(-32, 32, 1f / 64)] public partial Vector3 Velocity { get; set; }

    [Replicated] public partial bool Interacting { get; set; }

    public override Vector3? InterestPosition => null;
}

/// <summary>
/// A player-like entity for the Publish() benchmark: a quantized position, quantized health, an int. With
/// <see cref="Located"/> it is placed for interest management (the default <see cref="GridInterest"/>); without,
/// it is relevant to every client.
/// </summary>
public partial class Player : NetEntity
{
    [Replicated, Quantize(-1024, 1024, 1f / 64)] public partial Vector3 Position { get; set; }

    [Replicated, Quantize(0, 100, 0.5f)] public partial float Health { get; set; }

    [Replicated] public partial int Score { get; set; }

    /// <summary>Whether <see cref="InterestPosition"/> is the position (else null: relevant to everyone).</summary>
    public bool Located { get; init; }

    public override Vector3? InterestPosition => Located ? Position : null;
}
