using System;
using System.Net;

namespace Travelers;

/// <summary>A client asking to connect, as <see cref="NetServerOptions.Approve"/> sees it.</summary>
public sealed class ConnectRequest
{
    internal ConnectRequest(IPEndPoint remoteEndPoint, ReadOnlyMemory<byte> payload)
    {
        RemoteEndPoint = remoteEndPoint;
        Payload = payload;
    }

    /// <summary>Where the client connects from.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The client's <see cref="NetClientOptions.ConnectPayload"/> (a token, for instance). Untrusted input.</summary>
    public ReadOnlyMemory<byte> Payload { get; }
}
