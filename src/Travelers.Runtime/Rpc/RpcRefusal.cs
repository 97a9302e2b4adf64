using System;

namespace Travelers.Rpc;

/// <summary>Why a call was not run: the <c>reason</c> attribute of <c>travelers.rpc.rejected</c>.</summary>
internal enum RpcRefusal
{
    /// <summary>No RPC has the call's index, or an answer names a call never made.</summary>
    Unknown,

    /// <summary>The bytes of a call or answer could not be read.</summary>
    Malformed,

    /// <summary>A call for the other side (an Owner or Observers RPC sent to the server, a Server RPC sent to a client).</summary>
    Direction,

    /// <summary>No entity of the RPC's type has the call's id (despawned, or a forged id).</summary>
    Entity,

    /// <summary>The caller does not see the entity (out of its interest).</summary>
    Visibility,

    /// <summary>The caller does not own the entity and the RPC requires it.</summary>
    Ownership,

    /// <summary>Over the RPC's MaxPerSecond for this connection.</summary>
    Rate,

    /// <summary>The service is not added on this side.</summary>
    Service,

    /// <summary>A call for an entity this client does not have yet, which did not arrive in time (or too many waited).</summary>
    Expired,
}

/// <summary>The texts of <see cref="RpcRefusal"/>.</summary>
internal static class RpcRefusals
{
    /// <summary>How many reasons there are (the values run from 0).</summary>
    public static readonly int Count = Enum.GetValues<RpcRefusal>().Length;

    /// <summary>The metric attribute's value.</summary>
    public static string Tag(RpcRefusal reason) => reason switch
    {
        RpcRefusal.Unknown => "unknown",
        RpcRefusal.Malformed => "malformed",
        RpcRefusal.Direction => "direction",
        RpcRefusal.Entity => "entity",
        RpcRefusal.Visibility => "visibility",
        RpcRefusal.Ownership => "ownership",
        RpcRefusal.Rate => "rate",
        RpcRefusal.Service => "service",
        _ => "expired",
    };

    /// <summary>The words a caller reads in its <see cref="RpcException"/> (the log and the metric tell every reason apart).</summary>
    public static string Describe(RpcRefusal reason) => reason switch
    {
        RpcRefusal.Unknown => "the server does not know this call",
        RpcRefusal.Malformed => "its arguments could not be read",
        RpcRefusal.Direction => "it does not run on the server",
        // One text for both: told apart, a client could probe ids for live entities hidden from it, and their types.
        RpcRefusal.Entity or RpcRefusal.Visibility => "the caller sees no such entity",
        RpcRefusal.Ownership => "the caller does not own the entity",
        RpcRefusal.Rate => "the caller is over its MaxPerSecond",
        RpcRefusal.Service => "the service is not added on the server",
        _ => "it expired",
    };
}
