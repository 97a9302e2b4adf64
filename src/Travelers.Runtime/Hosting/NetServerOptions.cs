using System;
using System.Net;
using System.Net.Sockets;

namespace Travelers;

/// <summary>Options of a <see cref="NetServer"/>.</summary>
public sealed class NetServerOptions : NetEndpointOptions
{
    /// <summary>The address to listen on. Default <see cref="IPAddress.IPv6Any"/>, dual-mode (IPv4 and IPv6).</summary>
    public IPAddress Address { get; set; } = IPAddress.IPv6Any;

    /// <summary>The port. Default 7777; 0 lets the OS pick one (see <see cref="NetServer.LocalEndPoint"/>).</summary>
    public int Port { get; set; } = 7777;

    /// <summary>
    /// Decides whether a client may connect, seeing its <see cref="ConnectRequest.Payload"/>. Runs during
    /// <see cref="NetServer.Poll"/>, on the game's thread. Default: everyone is accepted.
    /// </summary>
    public Func<ConnectRequest, Approval>? Approve { get; set; }

    /// <summary>
    /// Connections accepted but not yet through the handshake. Default 2,048. Once reached, a newcomer from an address
    /// holding at least two fewer of them than the address holding the most takes the slot of that address's oldest
    /// handshake (which is refused, saying why); any other newcomer is closed at once. One host cannot keep others out.
    /// </summary>
    public int MaxPendingHandshakes { get; set; } = 2048;

    /// <summary>Connections from one IP address, counting those in handshake; more are closed at once. Default 4,096 (a load test on loopback is never refused).</summary>
    public int MaxConnectionsPerAddress { get; set; } = 4096;

    /// <summary>Largest connect payload accepted, in bytes. Default 1,024.</summary>
    public int MaxConnectPayloadBytes { get; set; } = 1024;

    /// <summary>How the server's world replicates entities: interest, bandwidth budget, history.</summary>
    public NetWorldOptions World { get; set; } = new();

    internal override void Validate()
    {
        base.Validate();
        Require(World is not null, nameof(NetServerOptions), nameof(World), "null", "must not be null");
        World!.Validate();
        const string type = nameof(NetServerOptions);
        Require(Address is not null, type, nameof(Address), "null", "must not be null");
        Require(Address!.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6, type, nameof(Address), Address, "must be an IPv4 or IPv6 address");
        Require(Port is >= 0 and <= 65535, type, nameof(Port), Port, "must be between 0 and 65,535");
        Require(MaxPendingHandshakes > 0, type, nameof(MaxPendingHandshakes), MaxPendingHandshakes, "must be positive");
        Require(MaxConnectionsPerAddress > 0, type, nameof(MaxConnectionsPerAddress), MaxConnectionsPerAddress, "must be positive");
        Require(MaxConnectPayloadBytes is >= 0 and <= 64 * 1024, type, nameof(MaxConnectPayloadBytes), MaxConnectPayloadBytes, "must be between 0 and 65,536");
    }
}
