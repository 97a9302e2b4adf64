using System;

namespace Travelers;

/// <summary>The answer of <see cref="NetServerOptions.Approve"/> to a <see cref="ConnectRequest"/>.</summary>
public readonly struct Approval
{
    private Approval(bool accepted, string? reason)
    {
        IsAccepted = accepted;
        Reason = reason;
    }

    /// <summary>Lets the client in.</summary>
    public static Approval Accept => new(true, null);

    /// <summary>Whether the client is let in.</summary>
    public bool IsAccepted { get; }

    /// <summary>Why the client was refused; null when accepted.</summary>
    public string? Reason { get; }

    /// <summary>Refuses the client; <paramref name="reason"/> reaches it as <see cref="NetConnectException.Reason"/>.</summary>
    /// <param name="reason">Why, in words the player may see.</param>
    /// <returns>The refusal.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is null or empty.</exception>
    public static Approval Refuse(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new Approval(false, reason);
    }
}
