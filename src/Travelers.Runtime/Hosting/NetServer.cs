using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Travelers.Messaging;
using Travelers.Transport.Tcp;
using Travelers.Transport.Udp;

namespace Travelers;

/// <summary>
/// Accepts clients and exchanges messages with them. Handlers and events run in <see cref="Poll"/>, on the
/// caller's thread; sends may come from any thread and go out at the next <see cref="Poll"/> or
/// <see cref="Flush"/>.
/// </summary>
public sealed class NetServer : IAsyncDisposable
{
    private readonly Core _core;

    /// <summary>Creates a server; nothing is bound until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Its options; null for the defaults.</param>
    public NetServer(NetServerOptions? options = null)
    {
        _core = new Core(this, options ?? new NetServerOptions());
    }

    /// <summary>A client completed its handshake. Raised in <see cref="Poll"/>.</summary>
    public event Action<NetConnection>? ConnectionOpened;

    /// <summary>An opened connection ended. Raised in <see cref="Poll"/>, once per opened connection.</summary>
    public event Action<NetConnection, DisconnectInfo>? ConnectionClosed;

    /// <summary>The connections through the handshake and not yet closed, as of the last <see cref="Poll"/>. Read on the polling thread.</summary>
    public IReadOnlyCollection<NetConnection> Connections => _core.Open;

    /// <summary>Where the server listens, once <see cref="StartAsync"/> has returned (with the port the OS chose, if 0 was asked).</summary>
    /// <exception cref="InvalidOperationException">The server has not started.</exception>
    public IPEndPoint LocalEndPoint => _core.LocalEndPoint ?? throw new InvalidOperationException("The server has not started: call StartAsync first.");

    /// <summary>The options the server was created with.</summary>
    public NetServerOptions Options => _core.ServerOptions;

    /// <summary>The replicated entities: spawn, despawn and change them here, and call <see cref="NetWorld.Publish"/> once per tick.</summary>
    public NetWorld World => _core.World;

    /// <summary>The instruments, once started (tests listen to this meter).</summary>
    internal NetMetrics Metrics => _core.Metrics;

    /// <summary>Connections in their handshake, as counted against <see cref="NetServerOptions.MaxPendingHandshakes"/> (tests read it).</summary>
    internal int PendingHandshakes => _core.PendingHandshakes;

    /// <summary>Addresses with a handshake in progress (tests read it).</summary>
    internal int HandshakeAddresses => _core.HandshakeAddresses;

    /// <summary>The connections in their handshake (a snapshot; tests read their states).</summary>
    internal NetConnection[] InHandshake => _core.InHandshake;

    /// <summary>The UDP socket's side, once started over UDP (tests read its counters).</summary>
    internal Transport.Udp.UdpListener? Udp => _core.Udp;

    /// <summary>How long DisposeAsync waits for closes (tests shorten it).</summary>
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

    /// <summary>Validates the options, binds and starts accepting. The socket is bound when this returns.</summary>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>A task that completes once listening.</returns>
    /// <exception cref="ArgumentException">An option has a bad value (the message names it).</exception>
    /// <exception cref="SocketException">The address or port cannot be bound.</exception>
    /// <exception cref="ObjectDisposedException">The server was stopped or disposed already.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default) => _core.StartAsync(cancellationToken);

    /// <summary>
    /// Tells every client <see cref="DisconnectReason.ServerShutdown"/>, flushes what was queued to each, then
    /// closes the sockets and stops listening. <see cref="Poll"/> does nothing afterwards.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for clients to be closed (the sockets are then dropped).</param>
    /// <returns>A task that completes when every connection has closed.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) => _core.StopAsync(cancellationToken);

    /// <summary>
    /// Adds <paramref name="service"/>: its <see cref="RpcTarget.Server"/> RPCs run here when clients call them
    /// (<see cref="RpcContext.Caller"/> says which), and its <see cref="RpcTarget.Observers"/> proxy reaches every client.
    /// Each client adds its own instance.
    /// </summary>
    /// <typeparam name="T">A partial class deriving <see cref="NetService"/> with [Rpc] methods.</typeparam>
    /// <param name="service">The instance: one per server.</param>
    /// <returns><paramref name="service"/>.</returns>
    /// <exception cref="InvalidOperationException">A service of this type was added already, or one that shares the RPCs of a type it
    /// derives from (they run on one service per side), or this instance was added elsewhere.</exception>
    public T AddService<T>(T service)
        where T : NetService
    {
        _core.Rpc.AddService(service);
        return service;
    }

    /// <summary>The service of type <typeparamref name="T"/> added with <see cref="AddService{T}"/>.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <returns>The instance: the one added of that type, or the one added that derives from it.</returns>
    /// <exception cref="InvalidOperationException">None was added, or more than one added derives from <typeparamref name="T"/>.</exception>
    public T Service<T>()
        where T : NetService => _core.Rpc.Service<T>();

    /// <summary>Runs handlers and events for everything received so far, then sends everything queued. Call it every tick.</summary>
    public void Poll() => _core.Poll();

    /// <summary>Sends everything queued now, without running handlers. Any thread.</summary>
    public void Flush() => _core.Flush();

    /// <summary>Sends <paramref name="message"/> to every open connection. Call it on the polling thread (it walks <see cref="Connections"/>).</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="message">The message.</param>
    /// <param name="delivery">How it is delivered.</param>
    /// <param name="channel">Its channel.</param>
    public void SendToAll<T>(in T message, Delivery delivery = Delivery.ReliableOrdered, byte channel = 0)
        where T : INetMessage<T>
    {
        foreach (NetConnection connection in _core.Open)
        {
            connection.Send(in message, delivery, channel);
        }
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    /// <returns>A task that completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        // Bounded (see CloseBound): past it the stop drops what is left, as a cancelled StopAsync does, and logs it.
        using var bound = new CancellationTokenSource(_core.CloseBound);
        try
        {
            await _core.StopAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
        }
    }

    private sealed class Core : NetEndpoint
    {
        /// <inheritdoc/>
        protected override int HelloPayloadBytes => ServerOptions.MaxConnectPayloadBytes;

        private readonly NetServer _server;
        private readonly ConcurrentDictionary<long, NetConnection> _all = new();
        private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();

        // Handshakes in progress, by address, oldest first: a newcomer past MaxPendingHandshakes takes the slot of the
        // oldest handshake of the address holding the most, so that one host cannot keep every other out. Under the
        // gate, with the count of slots taken (those held here, and one reserved for a connection being made).
        private readonly object _handshakeGate = new();
        private readonly Dictionary<IPAddress, List<NetConnection>> _handshaking = new();
        private int _pending;
        private readonly HashSet<NetConnection> _open = new();
        private readonly TaskCompletionSource _allClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously); // the first stop has ended
        private Socket? _listener;
        private UdpListener? _udp;
        private NetConnection[] _tracked = [];
        private Task _accepting = Task.CompletedTask;
        private long _nextId;
        private int _stopping;

        public Core(NetServer server, NetServerOptions options)
            : base(options, "Travelers.NetServer")
        {
            _server = server;
            ServerOptions = options;
            World = new NetWorld(this, options.World ?? new NetWorldOptions());
            World.ServerClock = () => Time.GetElapsedTime(0);
        }

        public NetServerOptions ServerOptions { get; }

        public NetWorld World { get; }

        protected override NetWorld? ReplicatedWorld => World;

        public IPEndPoint? LocalEndPoint { get; private set; }

        public UdpListener? Udp => _udp;

        public IReadOnlyCollection<NetConnection> Open => _open;

        public override HashSet<NetConnection>? OpenConnections => _open;

        protected override string MeterName => ServerMeterName;

        protected override IReadOnlyList<NetConnection> Tracked => _tracked;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _stopping) != 0)
            {
                throw Stopped();
            }

            Begin();
            World.Server!.Start(Table, ServerOptions.World);
            bool udp = Options.Transport == NetTransport.Udp;
            var socket = udp
                ? new Socket(ServerOptions.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
                : new Socket(ServerOptions.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (ServerOptions.Address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = true;
                }

                if (udp)
                {
                    // One socket for every client: a deep buffer rides out bursts between receive-loop turns (the OS caps it).
                    socket.ReceiveBufferSize = 4 * 1024 * 1024;
                    socket.SendBufferSize = 4 * 1024 * 1024;
                }

                socket.Bind(new IPEndPoint(ServerOptions.Address, ServerOptions.Port));
                if (!udp)
                {
                    socket.Listen(1024);
                }
            }
            catch
            {
                // Not started after all: the timer and meter go too.
                socket.Dispose();
                await EndAsync().ConfigureAwait(false);
                throw;
            }

            LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
            Log.Listening(Logger, LocalEndPoint, udp ? "udp" : "tcp");
            if (udp)
            {
                _udp = new UdpListener(socket, AdmitUdp, Time, Options.Conditions, Options.Mtu);
                _udp.Start();
            }
            else
            {
                _listener = socket;
                _accepting = AcceptLoopAsync(socket);
            }

            // A stop that began meanwhile either found this socket, or found none (it may even have found the server not
            // started) and is seen here: nothing may stay bound behind it. The fence pairs with StopAsync's exchange.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _stopping) != 0)
            {
                socket.Dispose();
                await _accepting.ConfigureAwait(false);
                await EndAsync().ConfigureAwait(false);
                _udp?.Dispose();
                throw Stopped();
            }
        }

        private static ObjectDisposedException Stopped() =>
            new(nameof(NetServer), "The server was stopped or disposed: it does not start again; create a new NetServer.");

        private async Task AcceptLoopAsync(Socket listener)
        {
            while (Volatile.Read(ref _stopping) == 0)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return; // stopping
                }
                catch (SocketException e)
                {
                    if (Volatile.Read(ref _stopping) != 0)
                    {
                        return;
                    }

                    // One failed accept (a connection reset while queued, no file descriptors left) must not stop
                    // the server from accepting the next.
                    try
                    {
                        Log.AcceptFailed(Logger, e.SocketErrorCode);
                    }
                    catch (Exception logged)
                    {
                        Fault(logged); // the game's logger: accepting goes on, and the stop reports it
                    }

                    continue;
                }

                try
                {
                    Admit(socket);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // The client vanished between accept and admission; Admit undid its counts.
                    socket.Dispose();
                }
                catch (Exception e)
                {
                    // The game's logger, say: accepting goes on, and the stop reports it.
                    socket.Dispose();
                    Fault(e);
                }
            }
        }

        private void Admit(Socket socket)
        {
            // Everything that can fail on a socket the client already reset comes before any count is taken.
            socket.NoDelay = true;
            var remote = (IPEndPoint)socket.RemoteEndPoint!;
            if (Reserve(remote, out NetConnection? evicted) is { } refused)
            {
                socket.Dispose(); // first: a logger that throws must not leave it open
                Log.Flood(Logger, remote, refused);
                return;
            }

            long id = Interlocked.Increment(ref _nextId);
            var connection = new NetConnection(this, owner => new TcpLink(socket, owner, Options.MaxFrameBytes, Options.MaxUnsentBytes, Time, ReceiveBlocks, SendBlocks, Options.Conditions), id);
            Hold(connection);
            Track(id, connection);
            connection.Start();
            Evict(evicted, remote);
        }

        /// <summary>A UDP client proved its address: a session for it, within the same caps as a TCP connection.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)] // once per connection; kept a frame of its own for a test's clock to find
        private UdpListener.Admission AdmitUdp(SocketAddress address, IPEndPoint remote, uint key)
        {
            if (Reserve(remote, out NetConnection? evicted) is { } refused)
            {
                Log.Flood(Logger, remote, refused);
                return new UdpListener.Admission(null, new DisconnectInfo(DisconnectReason.Refused, $"The server is not accepting this connection: {refused}."));
            }

            long id = Interlocked.Increment(ref _nextId);
            UdpLink? link = null;
            UdpListener listener = _udp!;
            var connection = new NetConnection(this, owner => link = new UdpLink(owner, listener.Sender, remote, address, key, UdpSettings, Time, Frames, listener.Forget), id);
            Hold(connection);
            Track(id, connection);
            connection.Start();
            Evict(evicted, remote);

            // This runs on the receive thread, not in the accept loop a stop waits for: a stop that began after
            // Reserve's check may have walked the table before Track. The fence pairs with StopAsync's exchange:
            // either its walk found this session, or this read sees the stop and refuses the session itself.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _stopping) != 0)
            {
                var refusal = new DisconnectInfo(DisconnectReason.Refused, "The server is not accepting this connection: the server is stopping.");
                Metrics.RecordConnectionRefused("stopping");
                connection.Close(refusal, notifyPeer: false, abort: true);
                return new UdpListener.Admission(null, refusal);
            }

            return new UdpListener.Admission(link, default);
        }

        /// <summary>
        /// Counts a connection in handshake against the flood caps; the reason when it is over one. Past
        /// <see cref="NetServerOptions.MaxPendingHandshakes"/>, <paramref name="evicted"/> is the handshake whose slot it
        /// takes (see <see cref="MakeRoom"/>): the caller ends it once the newcomer is held.
        /// </summary>
        private string? Reserve(IPEndPoint remote, out NetConnection? evicted)
        {
            evicted = null;
            IPAddress address = AddressOf(remote);
            if (Volatile.Read(ref _stopping) != 0)
            {
                Metrics.RecordConnectionRefused("stopping");
                return "the server is stopping";
            }

            // The address's own cap first: a newcomer refused by it must not have ended another's handshake.
            if (_perAddress.AddOrUpdate(address, 1, static (_, n) => n + 1) > ServerOptions.MaxConnectionsPerAddress)
            {
                Release(address);
                Metrics.RecordConnectionRefused("address_cap");
                return $"MaxConnectionsPerAddress ({ServerOptions.MaxConnectionsPerAddress}) for {address}";
            }

            lock (_handshakeGate)
            {
                if (_pending < ServerOptions.MaxPendingHandshakes)
                {
                    _pending++;
                    return null;
                }

                evicted = MakeRoom(address);
            }

            if (evicted is null)
            {
                Release(address);
                Metrics.RecordConnectionRefused("pending_cap");
                return $"MaxPendingHandshakes ({ServerOptions.MaxPendingHandshakes})"; // and no address holds two more than this one
            }

            return null;
        }

        /// <summary>
        /// The handshake a newcomer from <paramref name="address"/> replaces when every slot is taken: the oldest of the
        /// address holding the most, preferring one that has not said hello, if that address holds at least two more
        /// than the newcomer's (so that two fair holders never trade places). Null: the newcomer is refused. Under the gate.
        /// </summary>
        private NetConnection? MakeRoom(IPAddress address)
        {
            int own = _handshaking.TryGetValue(address, out List<NetConnection>? mine) ? mine.Count : 0;
            List<NetConnection>? most = null;
            foreach (List<NetConnection> held in _handshaking.Values)
            {
                if (held.Count > (most?.Count ?? own + 1))
                {
                    most = held;
                }
            }

            if (most is null)
            {
                return null;
            }

            int victim = most.FindIndex(static c => c.State == ConnectionState.Handshaking);
            NetConnection evicted = most[victim < 0 ? 0 : victim];
            Leave(evicted, freeSlot: false); // its slot passes to the newcomer
            return evicted;
        }

        /// <summary>Ends a handshake whose slot a newcomer from <paramref name="newcomer"/> took (outside the gate: closing may call back into it).</summary>
        private void Evict(NetConnection? evicted, IPEndPoint newcomer)
        {
            if (evicted is null)
            {
                return;
            }

            string why = $"The server is not accepting this connection: MaxPendingHandshakes ({ServerOptions.MaxPendingHandshakes}) was reached, and its address held the most handshakes in progress.";
            SendRefusal(evicted, DisconnectReason.Refused, why);
            Metrics.RecordConnectionRefused("evicted");
            try
            {
                Log.Evicted(Logger, evicted.Id, evicted.RemoteEndPoint, ServerOptions.MaxPendingHandshakes, AddressOf(newcomer));
            }
            catch (Exception e)
            {
                Fault(e); // the game's logger: the newcomer, already started, stays, and the stop reports it
            }
        }

        /// <summary>Files a connection just made under its address, in the slot <see cref="Reserve"/> counted for it.</summary>
        private void Hold(NetConnection connection)
        {
            IPAddress address = AddressOf(connection.RemoteEndPoint);
            lock (_handshakeGate)
            {
                if (!_handshaking.TryGetValue(address, out List<NetConnection>? held))
                {
                    _handshaking[address] = held = new List<NetConnection>();
                }

                held.Add(connection);
            }
        }

        /// <summary>
        /// Takes a connection out of the handshakes in progress: it opened, closed, or was evicted (its slot then
        /// taken over, not freed). Idempotent, so that every way out may call it.
        /// </summary>
        private void Leave(NetConnection connection, bool freeSlot = true)
        {
            IPAddress address = AddressOf(connection.RemoteEndPoint);
            lock (_handshakeGate)
            {
                if (!_handshaking.TryGetValue(address, out List<NetConnection>? held) || !held.Remove(connection))
                {
                    return;
                }

                if (held.Count == 0)
                {
                    _handshaking.Remove(address);
                }

                if (freeSlot)
                {
                    _pending--;
                }
            }
        }

        /// <summary>Whether <paramref name="connection"/> is among the handshakes in progress (not evicted, opened or closed). Under the gate.</summary>
        private bool IsHeld(NetConnection connection) =>
            _handshaking.TryGetValue(AddressOf(connection.RemoteEndPoint), out List<NetConnection>? held) && held.Contains(connection);

        /// <summary>Handshakes in progress (and slots reserved for connections being made).</summary>
        internal int PendingHandshakes
        {
            get
            {
                lock (_handshakeGate)
                {
                    return _pending;
                }
            }
        }

        /// <summary>Addresses with a handshake in progress (tests check that none is kept once its last is over).</summary>
        internal int HandshakeAddresses
        {
            get
            {
                lock (_handshakeGate)
                {
                    return _handshaking.Count;
                }
            }
        }

        /// <summary>The connections in their handshake, oldest first per address (a snapshot, for tests).</summary>
        internal NetConnection[] InHandshake
        {
            get
            {
                lock (_handshakeGate)
                {
                    return [.. _handshaking.Values.SelectMany(static held => held)];
                }
            }
        }

        private static IPAddress AddressOf(IPEndPoint endPoint) =>
            endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;

        private void Release(IPAddress address)
        {
            if (_perAddress.AddOrUpdate(address, 0, static (_, n) => n - 1) <= 0)
            {
                _perAddress.TryRemove(KeyValuePair.Create(address, 0));
            }
        }

        public override void OnControlFrame(NetConnection connection, FrameKind kind, in ReadOnlySequence<byte> body)
        {
            if (kind != FrameKind.Hello || connection.State != ConnectionState.Handshaking)
            {
                throw new NetProtocolException(connection.State == ConnectionState.Handshaking
                    ? $"a {kind} frame before the hello"
                    : $"an unexpected {kind} frame");
            }

            int maxPayload = ServerOptions.MaxConnectPayloadBytes;
            Handshake.Hello hello = NetConnection.Read(body, b => Handshake.ReadHello(b, maxPayload));
            if (hello.Version != Handshake.Version)
            {
                Refuse(connection, DisconnectReason.ProtocolMismatch, $"The client speaks Travelers protocol version {hello.Version}; the server speaks {Handshake.Version}.");
                return;
            }

            if (hello.Fingerprint != Table.Fingerprint)
            {
                Refuse(connection, DisconnectReason.ProtocolMismatch, $"The client and server were built with different messages: {Table.Describe(hello.Types, "server", "client")}");
                return;
            }

            // Not a plain write: a close on another thread (a handshake timeout, an eviction, the stop) since the check
            // above would be undone, and the approval would then open a connection that is closing.
            if (connection.TryMove(ConnectionState.Handshaking, ConnectionState.Approving))
            {
                Enqueue(new Inbound(InboundKind.Hello, connection, hello: hello));
            }
        }

        protected override void OnHello(NetConnection connection, Handshake.Hello hello)
        {
            if (connection.State != ConnectionState.Approving)
            {
                return; // closed meanwhile
            }

            Approval approval = Approval.Accept;
            if (ServerOptions.Approve is { } approve)
            {
                try
                {
                    approval = approve(new ConnectRequest(connection.RemoteEndPoint, hello.Payload));
                }
                catch
                {
                    Refuse(connection, DisconnectReason.Refused, "The server failed to decide on the connection.");
                    throw;
                }
            }

            if (!approval.IsAccepted)
            {
                // default(Approval) is not accepted either, and has no reason of its own.
                Refuse(connection, DisconnectReason.Refused, approval.Reason ?? "The server refused the connection.");
                return;
            }

            lock (_handshakeGate)
            {
                // Opened and out of the handshakes in one step: a newcomer's MakeRoom, on the accept or receive thread,
                // must not pick a connection that has just opened and refuse it. One it picked already is not opened.
                if (!IsHeld(connection) || !connection.TryOpen(ConnectionState.Approving))
                {
                    return;
                }

                Leave(connection);
            }

            // Compression on before the accept leaves: the client may answer it with a compressed batch at once.
            bool compress = Options.EnableCompression && (hello.Flags & Handshake.CompressionFlag) != 0 && connection.Link.CanCompress;
            if (compress)
            {
                connection.Link.EnableCompression(Options.CompressionThreshold);
            }

            var body = new ArrayBufferWriter<byte>(32);
            Handshake.WriteAccept(body, connection.Id, Time.GetElapsedTime(0), compress ? Handshake.CompressionFlag : (byte)0);
            connection.SendControl(FrameKind.Accept, body.WrittenSpan);

            _open.Add(connection);
            World.Server!.AddClient(connection);
            Log.Opened(Logger, connection.Id, connection.RemoteEndPoint);
            _server.ConnectionOpened?.Invoke(connection);
        }

        private void Refuse(NetConnection connection, DisconnectReason reason, string message)
        {
            Log.Refused(Logger, connection.Id, connection.RemoteEndPoint, reason, message);
            Metrics.RecordConnectionRefused(reason == DisconnectReason.ProtocolMismatch ? "mismatch" : "approval");
            SendRefusal(connection, reason, message);
        }

        /// <summary>Ends a connection in its handshake with a refusal the client's connect reports.</summary>
        private static void SendRefusal(NetConnection connection, DisconnectReason reason, string message)
        {
            var body = new ArrayBufferWriter<byte>(64 + message.Length);
            Handshake.WriteNotice(body, reason, message);
            connection.SendControl(FrameKind.Refuse, body.WrittenSpan);
            connection.Close(new DisconnectInfo(reason, message), notifyPeer: false);
        }

        /// <summary>Adds a connection to those the timers look after; they walk a snapshot, rebuilt here (connections come and go rarely, ticks are many).</summary>
        private void Track(long id, NetConnection connection)
        {
            _all[id] = connection;
            RebuildTracked();
        }

        private void RebuildTracked()
        {
            lock (_all)
            {
                _tracked = [.. _all.Values];
            }
        }

        public override void OnConnectionClosed(NetConnection connection, DisconnectInfo info, bool wasOpen)
        {
            _all.TryRemove(connection.Id, out _);
            RebuildTracked();
            Release(AddressOf(connection.RemoteEndPoint));
            Leave(connection); // a no-op once it opened, or was evicted
            try
            {
                if (!wasOpen)
                {
                    if (info.Reason == DisconnectReason.ProtocolViolation)
                    {
                        Log.ProtocolViolation(Logger, connection.Id, connection.RemoteEndPoint, info.Message);
                    }
                }
            }
            finally
            {
                // Even when the game's logger throws: a stop waits for this.
                if (Volatile.Read(ref _stopping) != 0 && _all.IsEmpty)
                {
                    _allClosed.TrySetResult();
                }
            }
        }

        protected override void RaiseOpened(NetConnection connection)
        {
            // The server raises ConnectionOpened when it approves, in OnHello.
        }

        protected override void RaiseClosed(NetConnection connection, DisconnectInfo info)
        {
            if (_open.Remove(connection))
            {
                World.Server!.RemoveClient(connection);
                _server.ConnectionClosed?.Invoke(connection, info);
            }
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _stopping, 1) != 0)
            {
                await JoinStopAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!IsStarted)
            {
                _stopped.TrySetResult();
                return;
            }

            try
            {
                await StopCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _stopped.TrySetResult();
            }
        }

        /// <summary>
        /// A stop called while another is under way (a DisposeAsync after a StopAsync still waiting for its closes): it
        /// waits for that one, and once its own token is cancelled drops what is left, as that one would, rather than
        /// returning with connections still open.
        /// </summary>
        private async Task JoinStopAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                DropLeft();
                await _stopped.Task.ConfigureAwait(false); // the first stop's wait ends with the last close
                throw;
            }
        }

        /// <summary>Ends at once the connections still closing (lingers included), and logs how many there were.</summary>
        private void DropLeft()
        {
            int left = 0;
            foreach (NetConnection connection in _all.Values)
            {
                left++;
                connection.Close(new DisconnectInfo(DisconnectReason.ServerShutdown, "The server is shutting down."), notifyPeer: false, abort: true);
            }

            if (left > 0)
            {
                try
                {
                    Log.CloseAbandoned(Logger, left, "the server's stop");
                }
                catch (Exception e)
                {
                    Fault(e); // the game's logger: the stop goes on, and reports it at its end
                }
            }
        }

        private async Task StopCoreAsync(CancellationToken cancellationToken)
        {
            _listener?.Dispose();
            await _accepting.ConfigureAwait(false);
            Flush();
            foreach (NetConnection connection in _all.Values)
            {
                connection.Close(new DisconnectInfo(DisconnectReason.ServerShutdown, "The server is shutting down."), notifyPeer: true);
            }

            if (_all.IsEmpty)
            {
                _allClosed.TrySetResult();
            }

            try
            {
                await _allClosed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Only after a cancelled wait are there any: those an abort now ends, lingers included.
                DropLeft();

                try
                {
                    await EndAsync().ConfigureAwait(false);
                }
                finally
                {
                    // The UDP socket goes last: closing sessions send their last acknowledgements and notices through it.
                    _udp?.Dispose();
                }
            }
        }
    }
}
