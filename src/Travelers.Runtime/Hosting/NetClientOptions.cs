using System;

namespace Travelers;

/// <summary>Options of a <see cref="NetClient"/>.</summary>
public sealed class NetClientOptions : NetEndpointOptions
{
    /// <summary>Bytes sent with the connect request, for the server's <see cref="NetServerOptions.Approve"/> (a token, for instance). Default empty.</summary>
    public ReadOnlyMemory<byte> ConnectPayload { get; set; }

    /// <summary>
    /// How long an RPC that returns a value (<c>ValueTask</c> or <c>ValueTask&lt;T&gt;</c>) waits for the server's
    /// answer before failing with <see cref="TimeoutException"/>; also how long a call from the server waits for an
    /// entity this client does not have yet. Checked in <see cref="NetClient.Poll"/>. Default 10 s.
    /// </summary>
    public TimeSpan RpcTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many RPCs may wait for answers at once; a call beyond it fails at once with <see cref="RpcException"/>. Default 1,024.</summary>
    public int MaxPendingRpcs { get; set; } = 1024;

    internal override void Validate()
    {
        base.Validate();
        Require(RpcTimeout > TimeSpan.Zero && RpcTimeout <= TimeSpan.FromDays(1), nameof(NetClientOptions), nameof(RpcTimeout), RpcTimeout, "must be positive and at most a day");
        Require(MaxPendingRpcs is >= 1 and <= 1_000_000, nameof(NetClientOptions), nameof(MaxPendingRpcs), MaxPendingRpcs, "must be between 1 and 1,000,000");
        Require(ConnectPayload.Length <= 64 * 1024, nameof(NetClientOptions), nameof(ConnectPayload), $"{ConnectPayload.Length} bytes", "must be at most 65,536 bytes");
    }
}
