using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Travelers.RelayTool;

/// <summary>
/// Relays UDP between clients and one server through simulated links. Each client (by source address) gets its
/// own socket towards the server and its own pair of <see cref="Transport.Simulation.DatagramSimulator"/>s, one
/// per direction; the n-th client's links are seeded with <c>Seed + 2n</c> (to the server) and <c>Seed + 2n + 1</c>
/// (to the client), so a run with the same clients in the same order repeats its decisions.
/// </summary>
internal sealed class Relay : IAsyncDisposable
{
    private const int MaxDatagram = 65_536;

    private readonly RelayOptions _options;
    private readonly TimeProvider _time;
    private readonly Socket _listen;
    private readonly object _gate = new();
    private readonly Dictionary<SocketAddress, RelaySession> _sessions = new(SocketAddressComparer.Instance);
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private ITimer? _sweeper;
    private DirectionStatistics _closedToServer;
    private DirectionStatistics _closedToClients;
    private long _rejected;
    private int _clientsSeen;
    private bool _disposed;

    /// <param name="options">Where to listen and forward, and what to simulate.</param>
    /// <param name="time">The clock of the simulated links and of idleness; the system clock by default.</param>
    /// <exception cref="ArgumentException">The conditions are not valid.</exception>
    public Relay(RelayOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Conditions.Validate(nameof(RelayOptions.Conditions));
        _options = options;
        _time = time ?? TimeProvider.System;
        _listen = new Socket(options.Listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (options.Listen.Address.Equals(IPAddress.IPv6Any))
        {
            _listen.DualMode = true;
        }
    }

    /// <summary>Where clients send; the port the OS picked when the options asked for port 0. Valid after <see cref="Start"/>.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listen.LocalEndPoint!;

    /// <summary>Binds the socket and starts relaying.</summary>
    /// <exception cref="SocketException">The address cannot be bound (e.g. the port is taken).</exception>
    public void Start()
    {
        _listen.Bind(_options.Listen);
        _receiving = ReceiveFromClientsAsync(_stop.Token);
        TimeSpan sweep = _options.IdleTimeout < TimeSpan.FromSeconds(1) ? _options.IdleTimeout : TimeSpan.FromSeconds(1);
        _sweeper = _time.CreateTimer(static state => ((Relay)state!).ForgetIdleClients(), this, sweep, sweep);
    }

    /// <summary>The counters since the start, closed clients included.</summary>
    public RelayStatistics GetStatistics()
    {
        lock (_gate)
        {
            DirectionStatistics toServer = _closedToServer;
            DirectionStatistics toClients = _closedToClients;
            foreach (RelaySession session in _sessions.Values)
            {
                toServer += session.ToServer;
                toClients += session.ToClient;
            }

            return new RelayStatistics(_sessions.Count, _rejected, toServer, toClients);
        }
    }

    /// <summary>The clients relayed now, each with the local end of its socket towards the server.</summary>
    public IReadOnlyList<(IPEndPoint Client, IPEndPoint Upstream)> GetClients()
    {
        lock (_gate)
        {
            var clients = new List<(IPEndPoint, IPEndPoint)>(_sessions.Count);
            foreach (RelaySession session in _sessions.Values)
            {
                // Create reads the address's family from the template.
                var template = new IPEndPoint(session.ClientAddress.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
                clients.Add(((IPEndPoint)template.Create(session.ClientAddress), session.UpstreamEndPoint));
            }

            return clients;
        }
    }

    /// <summary>Closes the sockets of clients silent for <see cref="RelayOptions.IdleTimeout"/>. The sweep timer calls it.</summary>
    /// <returns>The number of clients forgotten.</returns>
    internal int ForgetIdleClients()
    {
        long now = _time.GetTimestamp();
        var idle = new List<RelaySession>();
        lock (_gate)
        {
            foreach (RelaySession session in _sessions.Values)
            {
                if (_time.GetElapsedTime(session.LastActive, now) >= _options.IdleTimeout)
                {
                    idle.Add(session);
                }
            }

            foreach (RelaySession session in idle)
            {
                _sessions.Remove(session.ClientAddress);
                _closedToServer += session.ToServer;
                _closedToClients += session.ToClient;
            }
        }

        foreach (RelaySession session in idle)
        {
            _ = session.DisposeAsync().AsTask();
        }

        return idle.Count;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        List<RelaySession> sessions;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            sessions = [.. _sessions.Values];
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_sweeper is not null)
        {
            await _sweeper.DisposeAsync().ConfigureAwait(false);
        }

        _listen.Dispose();
        try
        {
            await _receiving.ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The loop ended on an error the relay cannot act on; it is closing anyway.
        }

        foreach (RelaySession session in sessions)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        lock (_gate)
        {
            foreach (RelaySession session in sessions)
            {
                _closedToServer += session.ToServer;
                _closedToClients += session.ToClient;
            }

            _sessions.Clear();
        }

        _stop.Dispose();
    }

    private async Task ReceiveFromClientsAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxDatagram];
        var from = new SocketAddress(_listen.AddressFamily);
        while (true)
        {
            int received;
            try
            {
                received = await _listen.ReceiveFromAsync(buffer, SocketFlags.None, from, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                // Windows reports here an ICMP "port unreachable" for an earlier reply to a client that has gone.
                continue;
            }

            SessionFor(from)?.FromClient(buffer.AsSpan(0, received));
        }
    }

    private RelaySession? SessionFor(SocketAddress from)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            if (_sessions.TryGetValue(from, out RelaySession? session))
            {
                return session;
            }

            if (_sessions.Count >= _options.MaxClients)
            {
                _rejected++;
                return null;
            }

            // The receive loop reuses its instance: the key must be a copy.
            var client = new SocketAddress(from.Family, from.Size);
            from.Buffer.Span[..from.Size].CopyTo(client.Buffer.Span);
            int seed = unchecked(_options.Conditions.Seed + (2 * _clientsSeen++));
            try
            {
                session = new RelaySession(
                    _listen, client, _options.Target, WithSeed(_options.Conditions, seed), WithSeed(_options.Conditions, unchecked(seed + 1)), _time);
            }
            catch (SocketException)
            {
                // No socket towards the server (out of ports, no route): this datagram cannot be relayed.
                _rejected++;
                return null;
            }

            _sessions.Add(client, session);
            session.Start();
            return session;
        }
    }

    private static NetworkConditions WithSeed(NetworkConditions conditions, int seed) => new()
    {
        Latency = conditions.Latency,
        Jitter = conditions.Jitter,
        Loss = conditions.Loss,
        Duplicate = conditions.Duplicate,
        Reorder = conditions.Reorder,
        Corrupt = conditions.Corrupt,
        BandwidthBytesPerSecond = conditions.BandwidthBytesPerSecond,
        Seed = seed,
    };

    /// <summary>Compares the address bytes up to <see cref="SocketAddress.Size"/> (its own Equals compares whole buffers).</summary>
    private sealed class SocketAddressComparer : IEqualityComparer<SocketAddress>
    {
        public static readonly SocketAddressComparer Instance = new();

        public bool Equals(SocketAddress? x, SocketAddress? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Buffer.Span[..x.Size].SequenceEqual(y.Buffer.Span[..y.Size]));

        public int GetHashCode(SocketAddress obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj.Buffer.Span[..obj.Size]);
            return hash.ToHashCode();
        }
    }
}
