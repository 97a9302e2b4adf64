using System;

namespace Travelers;

/// <summary>
/// Marks a method of a partial class deriving <see cref="NetEntity"/> or <see cref="NetService"/> as a remote
/// procedure call. The method's body is what runs on the receiving side; callers go through the generated
/// proxy (<c>entity.Server.Fire(aim)</c>), so the network hop is visible where it happens. Parameters follow
/// the serializer's rules and limits (<c>[MaxLength]</c> on strings and collections); an optional last
/// <see cref="RpcContext"/> gives the caller, an optional <see cref="System.Threading.CancellationToken"/> cancels
/// the caller's wait. Returns <c>void</c> (fire and forget), <c>ValueTask</c> or <c>ValueTask&lt;T&gt;</c>
/// (request and response; server RPCs only).
/// </summary>
/// <param name="target">Where the method runs.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RpcAttribute(RpcTarget target) : Attribute
{
    /// <summary>Where the method runs.</summary>
    public RpcTarget Target { get; } = target;

    /// <summary>How the call travels (over UDP; TCP is always reliable and ordered). Default <see cref="Delivery.ReliableOrdered"/>.</summary>
    public Delivery Delivery { get; set; } = Delivery.ReliableOrdered;

    /// <summary>The channel of ordered and sequenced delivery. Default 0.</summary>
    public byte Channel { get; set; }

    /// <summary>
    /// Server RPCs: how many calls per second one client may make, as a token bucket per connection holding at
    /// most this many tokens; calls beyond it are refused, never run. 0 (the default): no limit.
    /// </summary>
    public int MaxPerSecond { get; set; }

    /// <summary>
    /// Server RPCs on entities: whether only the client that owns the entity may call it. Default true; false lets
    /// any client that sees the entity call it (a door anyone can open). Ignored on services.
    /// </summary>
    public bool RequireOwnership { get; set; } = true;
}
