using System.Numerics;
using Travelers;

namespace Travelers.Runtime.Tests.Replication;

/// <summary>A player as DESIGN shows it: a position for interest, quantized health, a name, a field.</summary>
public partial class TestPlayer : NetEntity
{
    [Replicated] public partial Vector3 Position { get; set; }

    [Replicated, Quantize(0, 100, 0.5f)] public partial float Health { get; set; }

    [Replicated, MaxLength(32)] public partial string Name { get; set; }

    [Replicated] public int Score;

    public override Vector3? InterestPosition => Position;
}

/// <summary>A physics body as in the cube benchmark: quantized position, smallest-three rotation.</summary>
public partial class Crate : NetEntity
{
    [Replicated, Quantize(-256, 256, 1f / 512)] public partial Vector3 Position { get; set; }

    [Replicated, Bits(10)] public partial Quaternion Rotation { get; set; }

    [Replicated] public partial bool Resting { get; set; }

    public override Vector3? InterestPosition => Position;
}

/// <summary>Seen by everyone: no interest position.</summary>
public partial class Scoreboard : NetEntity
{
    [Replicated] public int Round;

    [Replicated, Bits(10)] public partial int Leader { get; set; }
}
