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
    /// entity this client does not have yet. Checked in <see cref="NetClient.Poll"/>. Positive and at most a day;
    /// it may change while the client runs (each call keeps the one in force when it was made). Default 10 s.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not positive, or over a day.</exception>
    public TimeSpan RpcTimeout
    {
        get => _rpcTimeout;
        set
        {
            // Checked here, not only at the start: it is read as each call is made, and a value out of bounds (an
            // infinite one, say) made every deadline one already past, failing each call at the next Poll().
            RequireRpcTimeout(value);
            _rpcTimeout = value;
        }
    }

    private TimeSpan _rpcTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How many RPCs may wait for answers at once; a call beyond it fails at once with <see cref="RpcException"/>. Default 1,024.</summary>
    public int MaxPendingRpcs { get; set; } = 1024;

    internal override void Validate()
    {
        base.Validate();
        RequireRpcTimeout(RpcTimeout);
        Require(MaxPendingRpcs is >= 1 and <= 1_000_000, nameof(NetClientOptions), nameof(MaxPendingRpcs), MaxPendingRpcs, "must be between 1 and 1,000,000");
        Require(ConnectPayload.Length <= 64 * 1024, nameof(NetClientOptions), nameof(ConnectPayload), $"{ConnectPayload.Length} bytes", "must be at most 65,536 bytes");
    }

    private static void RequireRpcTimeout(TimeSpan value) =>
        Require(value > TimeSpan.Zero && value <= TimeSpan.FromDays(1), nameof(NetClientOptions), nameof(RpcTimeout), value, "must be positive and at most a day");
}
