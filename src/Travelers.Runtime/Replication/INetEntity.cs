namespace Travelers;

/// <summary>
/// Implemented by the source generator for every partial <see cref="NetEntity"/> with
/// <see cref="ReplicatedAttribute">[Replicated]</see> members: the entity's <c>State</c> struct, how it is read
/// from and written to the entity, compared, delta-encoded and interpolated. Games use <see cref="NetWorld"/>
/// rather than these members.
/// </summary>
/// <typeparam name="TSelf">The entity type.</typeparam>
/// <typeparam name="TState">Its generated <c>State</c> struct, one field per replicated member.</typeparam>
public interface INetEntity<TSelf, TState>
    where TSelf : NetEntity, INetEntity<TSelf, TState>
    where TState : struct
{
    /// <summary>The 64-bit stable id of the type: the stable hash of its full name.</summary>
    static abstract ulong EntityTypeId { get; }

    /// <summary>The type's schema (name, members in order, their types and packing), hashed into the protocol fingerprint.</summary>
    static abstract string EntitySchema { get; }

    /// <summary>Whether some replicated members are fields, which no setter tracks: the state is then captured every tick.</summary>
    static abstract bool HasReplicatedFields { get; }

    /// <summary>Makes an instance for a client, when the server spawns one there.</summary>
    static abstract TSelf CreateReplica();

    /// <summary>
    /// Reads the entity's replicated members as the wire will carry them (quantized values rounded to their
    /// step, out-of-range values clamped), so that the server compares and encodes what clients will hold.
    /// </summary>
    /// <returns>How many values were clamped.</returns>
    static abstract int Capture(TSelf entity, out TState state);

    /// <summary>Writes <paramref name="state"/> into the entity's members (on a client), without tracking them as changed.</summary>
    static abstract void Apply(TSelf entity, in TState state);

    /// <summary>Whether two captured states are the same on the wire.</summary>
    static abstract bool StatesEqual(in TState a, in TState b);

    /// <summary>
    /// Writes the members of <paramref name="state"/> that differ from <paramref name="baseline"/>: a mask of
    /// one bit per member, then each changed member, packed (quantized values relative to the baseline's).
    /// </summary>
    static abstract void WriteDelta(ref BitWriter writer, in TState state, in TState baseline);

    /// <summary>Reads what <see cref="WriteDelta"/> wrote against the same baseline. False when the bits do not hold a valid delta (cut short, a value outside its member's range).</summary>
    static abstract bool ReadDelta(ref BitReader reader, in TState baseline, out TState state);

    /// <summary>The state a fraction <paramref name="t"/> of the way from <paramref name="from"/> to <paramref name="to"/>: floats and
    /// vectors interpolated linearly, quaternions spherically; other members take <paramref name="from"/>'s value until
    /// <paramref name="t"/> reaches 1. A <paramref name="t"/> above 1 extrapolates.</summary>
    static abstract TState Interpolate(in TState from, in TState to, float t);
}
