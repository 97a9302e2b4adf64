using System;

namespace Travelers;

/// <summary><see cref="NetClient.ConnectAsync"/> failed: refused, mismatched, timed out or unreachable.</summary>
public sealed class NetConnectException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">What kind of failure.</param>
    /// <param name="reason">The explanation; for a refusal, the server's reason.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public NetConnectException(DisconnectReason code, string reason, Exception? innerException = null)
        : base($"Could not connect ({code}): {reason}", innerException)
    {
        Code = code;
        Reason = reason;
    }

    /// <summary>What kind of failure: <see cref="DisconnectReason.Refused"/>, <see cref="DisconnectReason.ProtocolMismatch"/>, <see cref="DisconnectReason.Timeout"/>, ...</summary>
    public DisconnectReason Code { get; }

    /// <summary>The explanation; for a refusal, the reason given by the server's <see cref="NetServerOptions.Approve"/>.</summary>
    public string Reason { get; }
}
