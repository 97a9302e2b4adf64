using System;

namespace Travelers;

/// <summary>Options of a <see cref="NetClient"/>.</summary>
public sealed class NetClientOptions : NetEndpointOptions
{
    /// <summary>Bytes sent with the connect request, for the server's <see cref="NetServerOptions.Approve"/> (a token, for instance). Default empty.</summary>
    public ReadOnlyMemory<byte> ConnectPayload { get; set; }

    internal override void Validate()
    {
        base.Validate();
        Require(ConnectPayload.Length <= 64 * 1024, nameof(NetClientOptions), nameof(ConnectPayload), $"{ConnectPayload.Length} bytes", "must be at most 65,536 bytes");
    }
}
