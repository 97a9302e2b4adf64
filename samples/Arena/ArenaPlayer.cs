using System.Numerics;
using Travelers;

namespace Arena;

/// <summary>
/// A player: the server spawns one per connection, owned by it, and every client whose view holds it gets a copy,
/// kept up to date by the server's <see cref="NetWorld.Publish"/>. The server is authoritative: what a client
/// writes into its copy stays on that client.
/// </summary>
public sealed partial class ArenaPlayer : NetEntity
{
    /// <summary>
    /// Where the player is, in steps of 1/32 of a unit (13 bits a component over the 200-unit arena). A step is
    /// under a pixel when the 40 units of a view fill a 1,000-pixel screen, and a move of under 2 units a component
    /// against the client's baseline (five publishes at full speed) still goes in the 9-bit class of the relative
    /// encoding, so that a lost snapshot or a late acknowledgement barely costs more. 1/64 would halve that margin
    /// and add a bit to every full state for a difference nobody sees.
    /// </summary>
    [Replicated, Quantize(0, ArenaRules.Size, 1f / 32)]
    public partial Vector2 Position { get; set; }

    /// <summary>0 to 100, in whole points (7 bits): what a health bar shows. See <see cref="ArenaRules.DrainPerSecond"/>.</summary>
    [Replicated, Quantize(0, ArenaRules.MaxHealth, 1)]
    public partial float Health { get; set; }

    /// <summary>Whole seconds survived since the player last fell (16 bits: 18 hours before it stops counting).</summary>
    [Replicated, Bits(16)]
    public partial int Score { get; set; }

    /// <summary>Server only, not replicated: the latest stick the owner sent, at most 1 long.</summary>
    public Vector2 Move { get; set; }

    /// <summary>Server only, not replicated: ticks since the player last fell, for <see cref="Score"/>.</summary>
    public int TicksAlive { get; set; }

    /// <summary>The interest grid sees the arena as the plane z = 0.</summary>
    public override Vector3? InterestPosition => new Vector3(Position, 0);

    /// <summary>Server only: what the game does with a shot (set by <see cref="ArenaServer"/> when it spawns the player).</summary>
    public Action<ArenaPlayer, Vector2>? Shot { get; set; }

    /// <summary>Client only: hits this player took, as the server told its owner.</summary>
    public int HitsTaken { get; private set; }

    /// <summary>
    /// The owner fires towards <paramref name="aim"/>. Runs on the server, which has checked that the caller owns this
    /// player and is within <see cref="ArenaRules.ShotsPerSecond"/>; the server decides what it hits.
    /// </summary>
    [Rpc(RpcTarget.Server, MaxPerSecond = ArenaRules.ShotsPerSecond, Delivery = Delivery.ReliableUnordered)]
    private void Fire(Vector2 aim) => Shot?.Invoke(this, aim);

    /// <summary>Runs on the owning client: this player was hit for <paramref name="damage"/> by the player whose <see cref="NetId"/> value is <paramref name="by"/>.</summary>
    [Rpc(RpcTarget.Owner)]
    private void Hit(float damage, uint by) => HitsTaken++;
}
