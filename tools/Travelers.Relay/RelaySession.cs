using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Travelers.Transport.Simulation;

namespace Travelers.RelayTool;

/// <summary>
/// One client of the relay: its own socket towards the server (so the server sees one address per client) and a
/// simulated link in each direction.
/// </summary>
internal sealed class RelaySession : IAsyncDisposable
{
    private const int MaxDatagram = 65_536;

    private readonly Socket _listen;
    private readonly Socket _upstream;
    private readonly TimeProvider _time;
    private readonly DatagramSimulator _toServer;
    private readonly DatagramSimulator _toClient;
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private long _lastActive;
    private long _sendErrorsToServer;
    private long _sendErrorsToClient;
    private int _disposed;

    /// <param name="listen">The relay's socket, through which replies go back to the client.</param>
    /// <param name="client">The client's address; the session keeps this instance.</param>
    /// <param name="target">The server.</param>
    /// <param name="toServer">The link from the client to the server.</param>
    /// <param name="toClient">The link from the server to the client.</param>
    /// <param name="time">The clock of the links and of idleness.</param>
    public RelaySession(Socket listen, SocketAddress client, IPEndPoint target, NetworkConditions toServer, NetworkConditions toClient, TimeProvider time)
    {
        _listen = listen;
        _time = time;
        ClientAddress = client;
        _lastActive = time.GetTimestamp();
        _upstream = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Connected: the OS binds an ephemeral port and filters out datagrams from anyone but the server.
            _upstream.Connect(target);
        }
        catch
        {
            _upstream.Dispose();
            throw;
        }

        _toServer = new DatagramSimulator(toServer, time, SendToServer);
        _toClient = new DatagramSimulator(toClient, time, SendToClient);
    }

    /// <summary>The client's address, as the relay's socket sees it.</summary>
    public SocketAddress ClientAddress { get; }

    /// <summary>The local end of the socket towards the server: what the server sees as this client.</summary>
    public IPEndPoint UpstreamEndPoint => (IPEndPoint)_upstream.LocalEndPoint!;

    /// <summary>The timestamp of the last datagram in either direction.</summary>
    public long LastActive => Volatile.Read(ref _lastActive);

    /// <summary>Counters of the client-to-server direction.</summary>
    public DirectionStatistics ToServer => DirectionStatistics.Of(_toServer, Volatile.Read(ref _sendErrorsToServer));

    /// <summary>Counters of the server-to-client direction.</summary>
    public DirectionStatistics ToClient => DirectionStatistics.Of(_toClient, Volatile.Read(ref _sendErrorsToClient));

    /// <summary>Starts relaying what the server sends.</summary>
    public void Start() => _receiving = ReceiveFromServerAsync(_stop.Token);

    /// <summary>Relays a datagram from the client.</summary>
    public void FromClient(ReadOnlySpan<byte> datagram)
    {
        Volatile.Write(ref _lastActive, _time.GetTimestamp());
        _toServer.Submit(datagram, null);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // The idle sweep and the relay's own disposal may race.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _upstream.Dispose();
        try
        {
            await _receiving.ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The loop ended on an error the relay cannot act on; the session is closing anyway.
        }

        _toServer.Dispose();
        _toClient.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveFromServerAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxDatagram];
        while (true)
        {
            int received;
            try
            {
                received = await _upstream.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // An ICMP "port unreachable" for an earlier send: the server is not listening (yet). Keep waiting.
                continue;
            }

            Volatile.Write(ref _lastActive, _time.GetTimestamp());
            _toClient.Submit(buffer.AsSpan(0, received), ClientAddress);
        }
    }

    private void SendToServer(ReadOnlySpan<byte> datagram, SocketAddress? address)
    {
        try
        {
            _upstream.Send(datagram);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Called from the simulator's timer: an exception would end the process. Count it instead.
            Interlocked.Increment(ref _sendErrorsToServer);
        }
    }

    private void SendToClient(ReadOnlySpan<byte> datagram, SocketAddress? address)
    {
        try
        {
            _listen.SendTo(datagram, SocketFlags.None, address!);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendErrorsToClient);
        }
    }
}
