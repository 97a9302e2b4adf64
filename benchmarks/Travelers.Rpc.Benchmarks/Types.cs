using System.Numerics;
using Travelers;

namespace Travelers.Rpc.Benchmarks;

/// <summary>
/// The message a game would send instead of <see cref="Turret.Fire"/>: the same two unmanaged arguments and which
/// turret fires (the RPC carries its entity's id too).
/// </summary>
[NetMessage]
public partial struct FireMessage
{
    public uint Turret;
    public Vector2 Aim;
    public int Power;
}

/// <summary>
/// <see cref="FireMessage"/> again, for a handler that does by hand what the RPC's dispatch does before it runs: find
/// the turret by id and check that the sender owns and sees it (the id is the client's word).
/// </summary>
[NetMessage]
public partial struct CheckedFireMessage
{
    public uint Turret;
    public Vector2 Aim;
    public int Power;
}

/// <summary>The two arguments alone, for a game with one turret per connection.</summary>
[NetMessage]
public partial struct FireArguments
{
    public Vector2 Aim;
    public int Power;
}

/// <summary>A ping or its answer, as a message.</summary>
[NetMessage]
public partial struct Ping
{
    public int Value;
}

/// <summary>An entity with a fire-and-forget RPC and a request.</summary>
public partial class Turret : NetEntity
{
    [Replicated] public int Heat;

    /// <summary>Calls run on the server (read by the benchmark thread).</summary>
    public long Fired;

    /// <summary>What firing does, whether an RPC or a message asked for it.</summary>
    public void Shoot(Vector2 aim, int power) => Volatile.Write(ref Fired, Fired + 1);

    [Rpc(RpcTarget.Server)]
    private void Fire(Vector2 aim, int power) => Shoot(aim, power);

    [Rpc(RpcTarget.Server)]
    private ValueTask<int> Echo(int value) => new(value);
}
