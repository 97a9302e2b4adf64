using System;

namespace Travelers;

/// <summary>What a call returns: nothing (fire and forget), or an answer the caller awaits.</summary>
public enum RpcReturn : byte
{
    /// <summary><c>void</c>: fire and forget.</summary>
    None,

    /// <summary><c>ValueTask</c>: the caller learns that it ran (or why not).</summary>
    Task,

    /// <summary><c>ValueTask&lt;T&gt;</c>: the caller gets a value.</summary>
    Value,
}

/// <summary>
/// One <see cref="RpcAttribute">[Rpc]</see> method as the runtime needs it: written by the generator into each
/// call struct (<see cref="IRpcCall{TSelf}.Info"/>).
/// </summary>
/// <param name="declaringType">The entity or service type that declares the method.</param>
/// <param name="method">The method's name.</param>
/// <param name="target">Where it runs.</param>
/// <param name="delivery">How it travels.</param>
/// <param name="channel">Its channel.</param>
/// <param name="maxPerSecond">The per-connection rate limit of a server RPC, or 0.</param>
/// <param name="requireOwnership">Whether only the entity's owner may call it.</param>
/// <param name="returns">What it returns.</param>
public sealed class RpcInfo(Type declaringType, string method, RpcTarget target, Delivery delivery, byte channel, int maxPerSecond, bool requireOwnership, RpcReturn returns)
{
    /// <summary>The entity or service type that declares the method.</summary>
    public Type DeclaringType { get; } = declaringType;

    /// <summary>The method's name.</summary>
    public string Method { get; } = method;

    /// <summary>Where it runs.</summary>
    public RpcTarget Target { get; } = target;

    /// <summary>How it travels.</summary>
    public Delivery Delivery { get; } = delivery;

    /// <summary>Its channel.</summary>
    public byte Channel { get; } = channel;

    /// <summary>The per-connection rate limit of a server RPC, or 0.</summary>
    public int MaxPerSecond { get; } = maxPerSecond;

    /// <summary>Whether only the entity's owner may call it.</summary>
    public bool RequireOwnership { get; } = requireOwnership;

    /// <summary>What it returns.</summary>
    public RpcReturn Returns { get; } = returns;

    /// <summary>Whether the method belongs to a <see cref="NetService"/> rather than an entity.</summary>
    public bool IsService { get; } = typeof(NetService).IsAssignableFrom(declaringType);

    /// <summary>"Type.Method", as logs and errors name it.</summary>
    public string Name { get; } = declaringType.Name + "." + method;

    /// <summary>The call's settings as hashed into the protocol fingerprint.</summary>
    internal string Settings => $"{Target},{Delivery},{Channel},{MaxPerSecond},{RequireOwnership},{Returns}";

    /// <inheritdoc/>
    public override string ToString() => Name;
}
