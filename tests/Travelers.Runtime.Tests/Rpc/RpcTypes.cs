using System.Numerics;
using Travelers;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>An entity with every kind of RPC the design card shows; what each body saw is recorded for the tests.</summary>
public partial class Gunner : NetEntity
{
    [Replicated] public partial Vector3 Position { get; set; }

    public override Vector3? InterestPosition => Position;

    /// <summary>Server: (aim, caller) of every Fire that ran.</summary>
    public List<(Vector2 Aim, long Caller)> Fired { get; } = new();

    /// <summary>Server: the slots saved.</summary>
    public List<string> Saved { get; } = new();

    /// <summary>Server: (times, caller) of every Knock that ran.</summary>
    public List<(int Times, long Caller)> Knocks { get; } = new();

    /// <summary>Server: what Slow waits for; its token is the caller's connection closing.</summary>
    public TaskCompletionSource<string> SlowAnswer { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Server: the token Slow received.</summary>
    public CancellationToken SlowToken { get; private set; }

    /// <summary>Client: damage reported to the owner.</summary>
    public List<int> Damage { get; } = new();

    /// <summary>Client: what each Damaged call's context named (the entity, and the connection it came over).</summary>
    public List<(NetEntity? Entity, NetConnection Caller)> DamageContexts { get; } = new();

    /// <summary>Client: sounds heard.</summary>
    public List<byte> Sounds { get; } = new();

    /// <summary>Client: lines said, in order.</summary>
    public List<string> Lines { get; } = new();

    [Rpc(RpcTarget.Server)]
    private void Fire(Vector2 aim, RpcContext context) => Fired.Add((aim, context.Caller.Id));

    [Rpc(RpcTarget.Server, MaxPerSecond = 5)]
    private ValueTask<int> Buy(int item)
    {
        if (item < 0)
        {
            throw new InvalidOperationException("no such item");
        }

        return ValueTask.FromResult(item * 10);
    }

    [Rpc(RpcTarget.Server)]
    private async ValueTask Save([MaxLength(64)] string slot)
    {
        await Task.Yield();
        if (slot.Length == 0)
        {
            throw new IOException("no slot named");
        }

        Saved.Add(slot);
    }

    /// <summary>Server: the items Stow put away.</summary>
    public List<int> Stowed { get; } = new();

    /// <summary>A <c>ValueTask</c> that completes at once: put away, or thrown for a negative item.</summary>
    [Rpc(RpcTarget.Server)]
    private ValueTask Stow(int item)
    {
        if (item < 0)
        {
            throw new InvalidOperationException("nowhere to put it");
        }

        Stowed.Add(item);
        return ValueTask.CompletedTask;
    }

    /// <summary>A request answered at once, for RpcAllocationTests alone: its spare calls are theirs.</summary>
    [Rpc(RpcTarget.Server)]
    private ValueTask<int> Weigh(int item, CancellationToken cancellationToken) => new(item * 2);

    [Rpc(RpcTarget.Server)]
    private async ValueTask<string> Slow(int tag, CancellationToken cancellationToken)
    {
        SlowToken = cancellationToken;
        return await SlowAnswer.Task + tag;
    }

    /// <summary>Server: the shots of every Shoot that ran.</summary>
    public List<int> Shots { get; } = new();

    /// <summary>Throws a message five times the caller's words: longer than anything the caller could send.</summary>
    [Rpc(RpcTarget.Server)]
    private ValueTask<int> Appraise([MaxLength(300)] string item) => throw new ArgumentException(string.Concat(item, item, item, item, item));

    /// <summary>Client: the jams cleared; Jam(1) throws instead.</summary>
    public List<int> Jams { get; } = new();

    [Rpc(RpcTarget.Owner)]
    private void Jam(int jam)
    {
        if (jam == 1)
        {
            throw new InvalidOperationException("jammed");
        }

        Jams.Add(jam);
    }

    /// <summary>Client: how often Leave ran.</summary>
    public int Left { get; private set; }

    /// <summary>The client leaves on the server's word: it closes its own connection from within the call.</summary>
    [Rpc(RpcTarget.Owner)]
    private void Leave(RpcContext context)
    {
        Left++;
        context.Caller.Disconnect("told to leave");
    }

    /// <summary>Throws at once, quoting the caller's words in its message.</summary>
    [Rpc(RpcTarget.Server)]
    private ValueTask<int> Price([MaxLength(200)] string item) => throw new KeyNotFoundException($"No item named '{item}' in the catalogue.");

    /// <summary>Shoot(1) is a cheat: the server kicks its caller.</summary>
    [Rpc(RpcTarget.Server)]
    private void Shoot(int shot, RpcContext context)
    {
        Shots.Add(shot);
        if (shot == 1)
        {
            context.Caller.Disconnect("cheating");
        }
    }

    [Rpc(RpcTarget.Server, RequireOwnership = false)]
    private void Knock(int times, RpcContext context) => Knocks.Add((times, context.Caller.Id));

    [Rpc(RpcTarget.Server)]
    private ValueTask<string?> Echo([MaxLength(16)] string? text, int[]? numbers) => ValueTask.FromResult(text is null ? null : text + (numbers?.Sum() ?? -1));

    [Rpc(RpcTarget.Owner)]
    private void Damaged(int amount, RpcContext context)
    {
        Damage.Add(amount);
        DamageContexts.Add((context.Entity, context.Caller));
    }

    [Rpc(RpcTarget.Observers, Delivery = Delivery.Unreliable, Channel = 1)]
    private void Sound(byte id) => Sounds.Add(id);

    [Rpc(RpcTarget.Observers)]
    private void Said([MaxLength(64)] string text) => Lines.Add(text);

    [Rpc(RpcTarget.Observers)]
    private void Shout([MaxLength(2000)] string text) => Lines.Add(text);
}

/// <summary>A service: calls that belong to no entity.</summary>
public partial class Lobby : NetService
{
    /// <summary>Server: who joined, in order, with the caller's connection id.</summary>
    public List<(string Name, long Caller)> Joined { get; } = new();

    /// <summary>Client: announcements heard.</summary>
    public List<string> Announcements { get; } = new();

    [Rpc(RpcTarget.Server)]
    private ValueTask<int> Join([MaxLength(32)] string name, RpcContext context)
    {
        Joined.Add((name, context.Caller.Id));
        return ValueTask.FromResult(Joined.Count);
    }

    [Rpc(RpcTarget.Observers)]
    private void Announce([MaxLength(64)] string text) => Announcements.Add(text);
}

/// <summary>A game's own lobby (a test double, say): <see cref="Lobby"/>'s RPCs, run on a class of its own.</summary>
public sealed class QuietLobby : Lobby
{
}

/// <summary>A base that services share, with no RPCs of its own.</summary>
public abstract class GameServiceBase : NetService
{
}

/// <summary>One service of <see cref="GameServiceBase"/>.</summary>
public sealed class Scores : GameServiceBase
{
}

/// <summary>Another service of <see cref="GameServiceBase"/>.</summary>
public sealed class Weather : GameServiceBase
{
}

/// <summary>A gunner of a class of its own: <see cref="Gunner"/>'s RPCs, called on an entity that derives from it.</summary>
public sealed partial class Sniper : Gunner
{
    [Replicated] public partial int Range { get; set; }
}
