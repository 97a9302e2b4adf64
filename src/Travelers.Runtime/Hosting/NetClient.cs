using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Travelers.Messaging;
using Travelers.Transport.Tcp;
using Travelers.Transport.Udp;

namespace Travelers;

/// <summary>
/// One connection to a server. Handlers and events run in <see cref="Poll"/>, on the caller's thread; sends
/// may come from any thread and go out at the next <see cref="Poll"/> or <see cref="Flush"/>.
/// </summary>
public sealed class NetClient : IAsyncDisposable
{
    private readonly Core _core;

    /// <summary>Creates a client; nothing happens until <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">Its options; null for the defaults.</param>
    public NetClient(NetClientOptions? options = null)
    {
        _core = new Core(this, options ?? new NetClientOptions());
    }

    /// <summary>The connection completed its handshake. Raised in <see cref="Poll"/>.</summary>
    public event Action<NetConnection>? ConnectionOpened;

    /// <summary>The connection ended. Raised in <see cref="Poll"/>, once.</summary>
    public event Action<NetConnection, DisconnectInfo>? ConnectionClosed;

    /// <summary>The connection to the server.</summary>
    /// <exception cref="InvalidOperationException">Not connected yet.</exception>
    public NetConnection Connection => _core.Connection ?? throw new InvalidOperationException("The client is not connected: call ConnectAsync, and send once it has returned.");

    /// <summary>The options the client was created with.</summary>
    public NetClientOptions Options => _core.ClientOptions;

    /// <summary>The entities the server replicates to this client, updated in <see cref="Poll"/>; <c>Interpolated</c> states are at <see cref="NetWorld.RenderTime"/>.</summary>
    public NetWorld World => _core.World;

    /// <summary>The instruments, once started (tests listen to this meter).</summary>
    internal NetMetrics Metrics => _core.Metrics;

    /// <summary>Whether the client has ended: its timers stopped, <see cref="Poll"/> a no-op (tests read it).</summary>
    internal bool IsStopped => _core.IsStopped;

    /// <summary>How long DisposeAsync waits for its close (tests shorten it).</summary>
    internal TimeSpan CloseBound
    {
        get => _core.CloseBound;
        set => _core.CloseBound = value;
    }

    /// <summary>Handles every received <typeparamref name="T"/> with <paramref name="handler"/> (replacing an earlier one), in <see cref="Poll"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="handler">The handler.</param>
    public void On<T>(MessageHandler<T> handler)
        where T : INetMessage<T> => _core.On(handler);

    /// <summary>
    /// Connects and completes the handshake (protocol version, message schemas, approval). The server must
    /// be polling meanwhile: its approval runs in its <see cref="NetServer.Poll"/>.
    /// </summary>
    /// <param name="remote">The server: an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>A task that completes once connected.</returns>
    /// <exception cref="NetConnectException">Refused (with the server's reason), mismatched, timed out or unreachable.</exception>
    /// <exception cref="ArgumentException">An option has a bad value (the message names it).</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed, before or while connecting.</exception>
    public Task ConnectAsync(EndPoint remote, CancellationToken cancellationToken = default) => _core.ConnectAsync(remote, cancellationToken);

    /// <summary>Sends <paramref name="message"/> to the server (a shortcut for <c>Connection.Send</c>).</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="message">The message.</param>
    /// <param name="delivery">How it is delivered.</param>
    /// <param name="channel">Its channel.</param>
    public void Send<T>(in T message, Delivery delivery = Delivery.ReliableOrdered, byte channel = 0)
        where T : INetMessage<T> => Connection.Send(in message, delivery, channel);

    /// <summary>
    /// Adds <paramref name="service"/>: its <see cref="RpcTarget.Observers"/> RPCs run here when the server calls them,
    /// and <see cref="Service{T}"/> returns it to call its <see cref="RpcTarget.Server"/> RPCs. The server adds its own instance.
    /// </summary>
    /// <typeparam name="T">A partial class deriving <see cref="NetService"/> with [Rpc] methods.</typeparam>
    /// <param name="service">The instance: one per client.</param>
    /// <returns><paramref name="service"/>.</returns>
    /// <exception cref="InvalidOperationException">A service of this type was added already, or one that shares the RPCs of a type it
    /// derives from (they run on one service per side), or this instance was added elsewhere.</exception>
    public T AddService<T>(T service)
        where T : NetService
    {
        _core.Rpc.AddService(service);
        return service;
    }

    /// <summary>The service of type <typeparamref name="T"/> added with <see cref="AddService{T}"/>: <c>client.Service&lt;Lobby&gt;().Server.Join("ann")</c>.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <returns>The instance: the one added of that type, or the one added that derives from it.</returns>
    /// <exception cref="InvalidOperationException">None was added, or more than one added derives from <typeparamref name="T"/>.</exception>
    public T Service<T>()
        where T : NetService => _core.Rpc.Service<T>();

    /// <summary>Runs handlers and events for everything received so far, then sends everything queued. Call it every tick.</summary>
    public void Poll() => _core.Poll();

    /// <summary>Sends everything queued now, without running handlers. Any thread.</summary>
    public void Flush() => _core.Flush();

    /// <summary>Closes gracefully: what was queued is sent, then the server sees <see cref="DisconnectReason.Graceful"/>.</summary>
    /// <returns>A task that completes when the connection has closed.</returns>
    public ValueTask DisposeAsync() => new(_core.DisposeAsync());

    private sealed class Core : NetEndpoint
    {
        /// <inheritdoc/>
        protected override int HelloPayloadBytes => ClientOptions.ConnectPayload.Length;

        private readonly NetClient _client;
        private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _disposed;
        private readonly TaskCompletionSource _disposedAll = new(TaskCreationOptions.RunContinuationsAsynchronously); // the first dispose has ended
        private readonly CancellationTokenSource _disposing = new(); // ends a connect still resolving or connecting its socket
        private UdpSocket? _udp;
        private NetConnection? _connection;
        private NetConnection[] _tracked = [];
        private long _acceptServerTime;
        private long _acceptLocal;

        // Held while the connection opens and while its ConnectionClosed is queued: a close on another thread (a
        // dispose, a timeout) between the open and its queued Opened would otherwise put ConnectionClosed first.
        private readonly object _openGate = new();

        public Core(NetClient client, NetClientOptions options)
            : base(options, "Travelers.NetClient")
        {
            _client = client;
            ClientOptions = options;
            World = new NetWorld(this, serverOptions: null);
        }

        public NetWorld World { get; }

        protected override NetWorld? ReplicatedWorld => World;

        public override bool ReceivesSnapshots => true;

        protected override void OnSnapshot(NetConnection connection, ReadOnlySpan<byte> part) => World.Client!.Receive(part);

        protected override void OnPolled()
        {
            World.Client!.UpdateClock();
            Rpc.Expire();
        }

        public NetClientOptions ClientOptions { get; }

        public NetConnection? Connection
        {
            get => _connection;
            private set
            {
                _connection = value;
                Rpc.Connection = value;
                _tracked = value is null ? [] : [value];
            }
        }

        protected override string MeterName => ClientMeterName;

        protected override IReadOnlyList<NetConnection> Tracked => _tracked;

        public async Task ConnectAsync(EndPoint remote, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(remote);
            if (IsDisposed)
            {
                throw Disposed();
            }

            Begin();
            World.Client!.Start(Table);
            NetConnection connection;
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            try
            {
                connection = await OpenAsync(remote, connecting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (IsDisposed && !cancellationToken.IsCancellationRequested)
            {
                throw Disposed();
            }

            // A dispose that began meanwhile either found this connection, and closes it (the handshake then fails), or
            // found none and is seen here: the fence pairs with DisposeAsync's exchange.
            Interlocked.MemoryBarrier();
            if (IsDisposed)
            {
                connection.Close(new DisconnectInfo(DisconnectReason.Graceful, "The client was disposed while connecting."), notifyPeer: true);
                await EndAfterCloseAsync(connection).ConfigureAwait(false);
                throw Disposed();
            }

            var hello = new ArrayBufferWriter<byte>(256);
            Handshake.WriteHello(hello, Table, ClientOptions.ConnectPayload.Span, Options.EnableCompression ? Handshake.CompressionFlag : (byte)0);
            connection.SendControl(FrameKind.Hello, hello.WrittenSpan);

            try
            {
                await _handshake.Task.WaitAsync(Options.HandshakeTimeout, Time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                connection.Close(new DisconnectInfo(DisconnectReason.Timeout, "No answer to the handshake."), notifyPeer: true);
                await EndAfterCloseAsync(connection).ConfigureAwait(false);
                throw new NetConnectException(DisconnectReason.Timeout, $"The server did not answer the handshake within {Options.HandshakeTimeout.TotalSeconds:0.###} s (is it polling?).");
            }
            catch (Exception e) when (e is OperationCanceledException or NetConnectException or ObjectDisposedException)
            {
                // Cancelled, refused, dropped or disposed: the timer stops with the attempt, not at DisposeAsync.
                connection.Close(new DisconnectInfo(DisconnectReason.Graceful, "The client cancelled connecting."), notifyPeer: true);
                await EndAfterCloseAsync(connection).ConfigureAwait(false);
                throw;
            }
        }

        private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        private static ObjectDisposedException Disposed() =>
            new(nameof(NetClient), "The client was disposed: it does not connect again; create a new NetClient.");

        /// <summary>The connection, its socket connected (TCP) or its connect exchange started (UDP); the endpoint ended if that fails.</summary>
        private async Task<NetConnection> OpenAsync(EndPoint remote, CancellationToken cancellationToken)
        {
            NetConnection connection;
            if (Options.Transport == NetTransport.Udp)
            {
                connection = await OpenUdpAsync(remote, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // An address's own family (an IPv4 server through an IPv6 socket costs the kernel a detour on every
                // send and receive); a host name may resolve to either, which a dual-mode socket takes.
                Socket socket = remote is IPEndPoint ip
                    ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
                    : new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true, NoDelay = true };
                try
                {
                    await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    await EndAsync().ConfigureAwait(false);
                    throw new NetConnectException(DisconnectReason.Timeout, $"Cannot reach {remote}: {e.SocketErrorCode}.", e);
                }
                catch
                {
                    socket.Dispose();
                    await EndAsync().ConfigureAwait(false);
                    throw;
                }

                connection = new NetConnection(this, owner => new TcpLink(socket, owner, Options.MaxFrameBytes, Options.MaxUnsentBytes, Time, ReceiveBlocks, SendBlocks, Options.Conditions), 0);
                Connection = connection;
                connection.Start();
            }

            return connection;
        }

        /// <summary>
        /// Stops once the connection's close has finished. A UDP link whose hello is still unacknowledged lingers for
        /// it (at most 2 s), and only the ticks that <see cref="NetEndpoint.EndAsync"/> stops can end that linger:
        /// stopping first left the close unfinished for good, and DisposeAsync waiting for it for ever.
        /// </summary>
        private async Task EndAfterCloseAsync(NetConnection connection)
        {
            await WaitForCloseAsync(connection, "the failed connect").ConfigureAwait(false);
            await EndAsync().ConfigureAwait(false);
        }

        /// <summary>
        /// Waits for <paramref name="connection"/>'s close to finish, at most <see cref="NetEndpoint.CloseBound"/>:
        /// past it the close is cut short (its linger included) rather than waited for, and that is logged.
        /// </summary>
        private async Task WaitForCloseAsync(NetConnection connection, string what)
        {
            try
            {
                await _closed.Task.WaitAsync(CloseBound).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                connection.Close(new DisconnectInfo(DisconnectReason.Graceful, "The client closed the connection."), notifyPeer: false, abort: true);
                try
                {
                    Log.CloseAbandoned(Logger, 1, what);
                }
                catch (Exception e)
                {
                    Fault(e); // the game's logger: the stop goes on, and reports it at its end
                }
            }
        }

        /// <summary>A UDP socket connected to the server, and the session's link, which starts the connect exchange.</summary>
        private async Task<NetConnection> OpenUdpAsync(EndPoint remote, CancellationToken cancellationToken)
        {
            IPEndPoint server;
            try
            {
                server = remote switch
                {
                    IPEndPoint ip => ip,
                    DnsEndPoint dns => new IPEndPoint((await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false))[0], dns.Port),
                    _ => throw new ArgumentException($"An IPEndPoint or a DnsEndPoint, not a {remote.GetType().Name}.", nameof(remote)),
                };
            }
            catch (Exception e) when (e is SocketException or IndexOutOfRangeException)
            {
                await EndAsync().ConfigureAwait(false);
                throw new NetConnectException(DisconnectReason.Timeout, $"Cannot resolve {remote}.", e);
            }
            catch
            {
                // Cancelled (or disposed) while resolving, or not an end point this takes: ended as over TCP, not left
                // running (its timer, and its place on the UDP service thread) until a DisposeAsync.
                await EndAsync().ConfigureAwait(false);
                throw;
            }

            // A socket of the server's own family: an IPv4 server through an IPv6 socket costs the kernel a detour per datagram.
            var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            UdpSocket? udp = null;
            try
            {
                socket.Connect(server);
                UdpLink? link = null;
                udp = new UdpSocket(socket, server.Serialize(), Options.Conditions, Time, (datagram, _) =>
                {
                    if (UdpPacket.IsIntact(datagram))
                    {
                        link?.Receive(datagram);
                    }
                }, segmentSize: Options.Mtu);
                _udp = udp;
                // The rate limit guards a server from its clients; a client takes what its server sends.
                var connection = new NetConnection(this, owner => link = new UdpLink(owner, udp, server, null, 0, UdpSettings with { MaxPacketsPerSecond = int.MaxValue }, Time, Frames), 0);
                Connection = connection;
                udp.Start();
                connection.Start();
                return connection;
            }
            catch (SocketException e)
            {
                udp?.Dispose();
                socket.Dispose();
                await EndAsync().ConfigureAwait(false);
                throw new NetConnectException(DisconnectReason.Timeout, $"Cannot reach {remote}: {e.SocketErrorCode}.", e);
            }
        }

        public override void OnControlFrame(NetConnection connection, FrameKind kind, in ReadOnlySequence<byte> body)
        {
            if (connection.State != ConnectionState.Handshaking)
            {
                throw new NetProtocolException($"an unexpected {kind} frame");
            }

            switch (kind)
            {
                case FrameKind.Accept:
                    // The server's clock is read (and checked) but not used yet: replication's clock sync will start from it.
                    (long id, TimeSpan serverTime, byte flags) = NetConnection.Read(body, static b => Handshake.ReadAccept(b));
                    connection.Id = id;
                    Interlocked.Exchange(ref _acceptServerTime, serverTime.Ticks);
                    Interlocked.Exchange(ref _acceptLocal, Time.GetElapsedTime(0).Ticks);
                    if ((flags & Handshake.CompressionFlag) != 0)
                    {
                        if (!Options.EnableCompression)
                        {
                            throw new NetProtocolException("the server turned on compression, which this client did not offer");
                        }

                        connection.Link.EnableCompression(Options.CompressionThreshold);
                    }

                    lock (_openGate)
                    {
                        if (connection.TryOpen(ConnectionState.Handshaking))
                        {
                            Enqueue(new Inbound(InboundKind.Opened, connection));
                            _handshake.TrySetResult(); // its continuations run elsewhere: no user code under the lock
                        }
                    }

                    return;
                case FrameKind.Refuse:
                    DisconnectInfo info = NetConnection.Read(body, static b => Handshake.ReadNotice(b));
                    _handshake.TrySetException(new NetConnectException(info.Reason, info.Message));
                    connection.Close(info, notifyPeer: false);
                    return;
                default:
                    throw new NetProtocolException($"a {kind} frame during the handshake");
            }
        }

        public override void OnConnectionClosing(NetConnection connection, DisconnectInfo info, bool wasOpen)
        {
            lock (_openGate)
            {
                // A connect that opened has succeeded, whatever follows; one that did not fails with the close's reason.
                _handshake.TrySetException(new NetConnectException(info.Reason, info.Message));
                _ = _handshake.Task.Exception; // observed: a failed connect reports it through ConnectAsync
                base.OnConnectionClosing(connection, info, wasOpen); // queues ConnectionClosed behind the Opened
            }
        }

        public override void OnConnectionClosed(NetConnection connection, DisconnectInfo info, bool wasOpen)
        {
            // The session's last datagrams (acknowledgements, the notice) have gone: its socket can go too.
            _udp?.Dispose();
            _closed.TrySetResult();
        }

        protected override void RaiseOpened(NetConnection connection)
        {
            // The server's clock when it accepted, moved on by the time since: the world's first estimate.
            long since = Time.GetElapsedTime(0).Ticks - Interlocked.Read(ref _acceptLocal);
            World.Client!.Connection = connection;
            World.Client.SetServerClock(TimeSpan.FromTicks(Interlocked.Read(ref _acceptServerTime) + since));
            _client.ConnectionOpened?.Invoke(connection);
        }

        protected override void RaiseClosed(NetConnection connection, DisconnectInfo info)
        {
            try
            {
                World.Client!.Clear(); // raises Despawned: the game's handlers, which may throw
            }
            finally
            {
                // Raised all the same: the close is marked raised already, and no later Poll() would raise it.
                _client.ConnectionClosed?.Invoke(connection, info);
            }
        }

        public Task DisposeAsync()
        {
            // A second dispose waits for the first (as a server's second stop does), rather than returning while the
            // connection is still closing.
            return Interlocked.Exchange(ref _disposed, 1) != 0 ? _disposedAll.Task : DisposeOnceAsync();
        }

        private async Task DisposeOnceAsync()
        {
            try
            {
                await DisposeCoreAsync().ConfigureAwait(false);
            }
            finally
            {
                _disposedAll.TrySetResult();
            }
        }

        private async Task DisposeCoreAsync()
        {
            _disposing.Cancel(); // a connect still resolving or connecting its socket ends now, not when its socket gives up

            // A connect waiting for its answer ends as disposed, not with the NetConnectException of the close below (which
            // read as the server's doing); one that opened already has succeeded. Under the gate, as the open is.
            lock (_openGate)
            {
                _handshake.TrySetException(Disposed());
                _ = _handshake.Task.Exception; // observed: a connect in progress reports it
            }

            // At once, not at a timeout: no Poll() will come to deliver their answers.
            Rpc.FailAll("the client was disposed");

            if (Connection is { } connection)
            {
                Flush();
                connection.Close(new DisconnectInfo(DisconnectReason.Graceful, "The client closed the connection."), notifyPeer: true);
                await WaitForCloseAsync(connection, "the client's dispose").ConfigureAwait(false);
            }

            if (IsStarted)
            {
                await EndAsync().ConfigureAwait(false);
            }
        }
    }
}
