using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Travelers.Messaging;
using Travelers.Transport;
using Travelers.Transport.Udp;

namespace Travelers;

/// <summary>
/// What a server and a client share: the message table, handlers, the queue from I/O threads to
/// <c>Poll()</c>, the connections with something to flush, and the heartbeat and timeout timer.
/// </summary>
internal abstract class NetEndpoint : UdpServiceThread.IServiced
{
    private readonly Dictionary<ulong, HandlerEntry> _handlers = new();
    private readonly ConcurrentQueue<Inbound> _inbound = new();
    private readonly ConcurrentQueue<NetConnection> _dirty = new();
    private readonly CancellationTokenSource _stop = new();
    private HandlerEntry?[] _byIndex = Array.Empty<HandlerEntry?>();
    private long[] _unhandled = Array.Empty<long>();
    private MessageTable? _table;
    private int _begun; // Begin() claimed
    private Task? _ending; // EndAsync's first call
    private Inbound _current;
    private int _currentOffset = -1;
    private int _polling;
    private Task _maintenance = Task.CompletedTask;
    private Task _service = Task.CompletedTask;
    private bool _onServiceThread;
    private Exception? _backgroundFault; // the first exception out of work no caller waits on (see Fault): EndAsync throws it
    private readonly string _category;

    protected NetEndpoint(NetEndpointOptions options, string category)
    {
        Options = options;
        _category = category;
        Time = options.TimeProvider ?? TimeProvider.System;
        Logger = (options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger(category);
        Rpc = new Travelers.Rpc.RpcRuntime(this);
    }

    /// <summary>Calls and answers of [Rpc] methods, and the services.</summary>
    public Travelers.Rpc.RpcRuntime Rpc { get; }

    /// <summary>Whether this is a server.</summary>
    public bool IsServer => MeterName == ServerMeterName;

    /// <summary>The public type this endpoint serves, for messages: NetServer or NetClient (its own type is an internal Core).</summary>
    public string Name => IsServer ? nameof(NetServer) : nameof(NetClient);

    /// <summary>The endpoint's world.</summary>
    public NetWorld? EndpointWorld => ReplicatedWorld;

    /// <summary>A server's open connections (read on the polling thread); null on a client.</summary>
    public virtual HashSet<NetConnection>? OpenConnections => null;

    public NetEndpointOptions Options { get; }

    /// <summary>The clock: the options' when the endpoint starts (until then, the one it was created with).</summary>
    public TimeProvider Time { get; private set; }

    /// <summary>
    /// How long, in real time, <c>DisposeAsync</c> (and a client's failed connect) waits for closes to finish before
    /// it drops what is left. Every
    /// close ends within its 2 s linger; this bound only ends a wait that would otherwise never end (a close some
    /// bug left unfinished, or a test's clock never advanced), so that a dispose cannot hang a game's shutdown.
    /// </summary>
    public TimeSpan CloseBound { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The logger: of the options' factory when the endpoint starts (until then, the one it was created with).</summary>
    public ILogger Logger { get; private set; }

    public NetLimits Limits => Options.Limits ?? NetLimits.Default;

    /// <summary>The blocks of the connections' input pipes.</summary>
    public BlockMemoryPool ReceiveBlocks { get; } = new(BlockMemoryPool.ReceiveBlockSize);

    /// <summary>The blocks of the connections' output pipes.</summary>
    public BlockMemoryPool SendBlocks { get; } = new(BlockMemoryPool.SendBlockSize);

    /// <summary>The buffers of received batches, from I/O threads to Poll() and back.</summary>
    public FramePool Frames { get; } = new();

    /// <summary>The instruments; created when starting.</summary>
    public NetMetrics Metrics { get; private set; } = null!;

    public MessageTable Table => _table ?? throw new InvalidOperationException("Not started.");

    public bool IsStarted => _table is not null;

    public bool IsStopped { get; private set; }

    /// <summary>Registers <paramref name="handler"/> for <typeparamref name="T"/>, replacing any earlier one.</summary>
    public void On<T>(MessageHandler<T> handler)
        where T : INetMessage<T>
    {
        ArgumentNullException.ThrowIfNull(handler);
        NetMessageRegistry.Register<T>();
        lock (_handlers)
        {
            _handlers[T.MessageId] = new HandlerEntry.Of<T>(handler);
            if (_table is not null)
            {
                _byIndex = Resolve(_table);
            }
        }
    }

    /// <summary>
    /// The connect payload a hello carries here at the most: what a server accepts (<see cref="NetServerOptions.MaxConnectPayloadBytes"/>),
    /// what a client sends (<see cref="NetClientOptions.ConnectPayload"/>).
    /// </summary>
    protected abstract int HelloPayloadBytes { get; }

    /// <summary>
    /// Throws when the hello, which lists every type of <paramref name="table"/> by name, would not fit in one frame:
    /// a server would refuse every client's as a protocol violation, and a client could never connect.
    /// </summary>
    private void RequireHelloFits(MessageTable table)
    {
        int payload = HelloPayloadBytes;
        int frame = Handshake.HelloFrameBytes(table, payload);
        NetEndpointOptions.Require(
            frame <= Options.MaxFrameBytes,
            Options.GetType().Name,
            nameof(NetEndpointOptions.MaxFrameBytes),
            Options.MaxFrameBytes,
            $"must hold the hello, a frame of {frame} bytes here: it lists the protocol's {table.Entries.Length} message, entity and RPC types by name, " +
            $"with a connect payload of up to {payload} bytes{(IsServer ? " (NetServerOptions.MaxConnectPayloadBytes)" : "")}");
    }

    /// <summary>Freezes the message table and validates the options; called once when starting.</summary>
    protected void Begin()
    {
        // Claimed atomically: two starts on two threads at once would otherwise both pass, and make two timers and
        // two connections. Given back when the start fails before the table is set (bad options), so that a fixed
        // start may follow.
        if (Interlocked.CompareExchange(ref _begun, 1, 0) != 0)
        {
            throw new InvalidOperationException($"{Name} was already started: a {Name} starts once; create a new one to start again.");
        }

        try
        {
            BeginClaimed();
        }
        catch when (_table is null)
        {
            Volatile.Write(ref _begun, 0);
            throw;
        }
    }

    private void BeginClaimed()
    {
        Options.Validate();

        // Options may still be set through server.Options or client.Options until the start: the clock and the logs
        // are those in force now, not those of the constructor's time.
        Time = Options.TimeProvider;
        Logger = Options.LoggerFactory.CreateLogger(_category);
        MessageTable table = MessageTable.Current();
        RequireHelloFits(table);
        HandshakeLimit = IsServer ? Handshake.StrangerLimit(Handshake.HelloFrameBytes(table, HelloPayloadBytes), Options.MaxFrameBytes) : 0;
        Metrics = new NetMetrics(MeterName, MeterName == ServerMeterName, Options.Transport == NetTransport.Udp ? "udp" : "tcp", () => Tracked, ReplicatedWorld);
        lock (_handlers)
        {
            Rpc.Start(table);
            _byIndex = Resolve(table);
            _unhandled = new long[table.Types.Length];
            _table = table;
        }

        TimeSpan tick = Min(Options.HeartbeatInterval, Min(Options.Timeout, Options.HandshakeTimeout)) / 4;
        _maintenance = MaintainAsync(tick < TimeSpan.FromMilliseconds(5) ? TimeSpan.FromMilliseconds(5) : tick);
        if (Options.Transport == NetTransport.Udp)
        {
            if (Time == TimeProvider.System)
            {
                _onServiceThread = true;
                UdpServiceThread.Add(this);
            }
            else
            {
                _service = ServiceAsync();
            }
        }
    }

    /// <summary>
    /// What a connection in its handshake may make this endpoint buffer (see <see cref="ILinkOwner.HandshakeLimit"/>):
    /// on a server, room for a hello of another build's protocol; 0 on a client, which chose its server.
    /// </summary>
    public int HandshakeLimit { get; private set; }

    /// <summary>The settings of this endpoint's UDP links.</summary>
    public UdpLinkSettings UdpSettings => new(Options.Mtu, Options.MaxChannels, Options.MaxFrameBytes, Options.MaxUnsentBytes, Options.MaxQueuedReceiveBytes, Options.MaxPacketsPerSecond);

    /// <summary>
    /// Throws what this endpoint's links would throw on sending a record of <paramref name="length"/> body bytes at
    /// <paramref name="typeIndex"/>: for a send made later than its call (an Observers call on an entity spawned this
    /// tick goes out in Publish()), so that the caller hears of it, and not Publish().
    /// </summary>
    internal void RequireSendable(string what, int typeIndex, int length, Delivery delivery, byte channel)
    {
        if (Options.Transport == NetTransport.Udp)
        {
            Link.RequireDelivery(delivery, channel, Options.MaxChannels);
        }

        if (Link.RecordBytes(typeIndex, length) > Link.MaxRecordBytes(Options.Transport, Options.MaxFrameBytes))
        {
            throw Link.RecordTooLarge(what, length, Options.MaxFrameBytes);
        }
    }

    /// <summary>How often UDP links are serviced between polls: acknowledgements owed, retransmissions due, connect retries, lingering closes.</summary>
    public static readonly TimeSpan UdpServiceInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Stops the timer and makes <see cref="Poll"/> a no-op.</summary>
    /// <remarks>
    /// The first caller stops everything and reports a background fault; another (a dispose racing a failing connect)
    /// waits until everything is stopped, and returns.
    /// </remarks>
    protected async Task EndAsync()
    {
        var ending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _ending, ending.Task, null) is { } first)
        {
            await first.ConfigureAwait(false);
            return;
        }

        try
        {
            IsStopped = true;
            _stop.Cancel();
            await _maintenance.ConfigureAwait(false);
            await _service.ConfigureAwait(false);
            if (_onServiceThread)
            {
                UdpServiceThread.Remove(this);
            }

            Metrics?.Dispose();
        }
        finally
        {
            ending.TrySetResult();
        }

        if (_backgroundFault is { } fault)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault); // once everything is stopped
        }
    }

    private HandlerEntry?[] Resolve(MessageTable table)
    {
        var byIndex = new HandlerEntry?[table.RecordTypes];
        byIndex[table.RpcCallIndex] = Rpc.CallEntry;
        byIndex[table.RpcAnswerIndex] = Rpc.AnswerEntry;
        foreach ((ulong id, HandlerEntry entry) in _handlers)
        {
            int index = table.IndexOf(id);
            if (index >= 0)
            {
                byIndex[index] = entry;
            }
        }

        return byIndex;
    }

    /// <summary>The wire index of <typeparamref name="T"/>, cached per type.</summary>
    public int IndexOf<T>()
        where T : INetMessage<T>
    {
        MessageTable table = Table;
        TypeIndex<T>.Slot? slot = TypeIndex<T>.Cached;
        if (slot is not null && ReferenceEquals(slot.Table, table))
        {
            return slot.Index;
        }

        int index = table.IndexOf(T.MessageId);
        if (index < 0)
        {
            throw new InvalidOperationException(
                $"{typeof(T)} was not registered when this {Name} started: its assembly's [NetMessage] types register when it loads; touch one of them (or call NetMessageRegistry.Register<T>()) before starting.");
        }

        TypeIndex<T>.Cached = new TypeIndex<T>.Slot(table, index);
        return index;
    }

    public void Enqueue(in Inbound item) => _inbound.Enqueue(item);

    public void MarkDirty(NetConnection connection) => _dirty.Enqueue(connection);

    /// <summary>Runs handlers and events for what has arrived, then sends what was queued. The caller's thread.</summary>
    public void Poll()
    {
        if (IsStopped || _table is null)
        {
            return;
        }

        if (Interlocked.Exchange(ref _polling, 1) != 0)
        {
            throw new InvalidOperationException("Poll() is already running (called from a handler or event, or from two threads at once): call it from one thread, outside handlers.");
        }

        try
        {
            PollCore();
        }
        finally
        {
            Volatile.Write(ref _polling, 0);
        }
    }

    private void PollCore()
    {
        long started = Time.GetTimestamp();

        // What arrives while this runs waits for the next Poll(), so a flood cannot hold the game thread.
        int budget = _inbound.Count;
        if (_currentOffset >= 0)
        {
            Dispatch();
        }

        while (budget-- > 0 && _inbound.TryDequeue(out Inbound item))
        {
            switch (item.Kind)
            {
                case InboundKind.Hello:
                    OnHello(item.Connection, item.Hello!);
                    break;
                case InboundKind.Opened:
                    Log.Opened(Logger, item.Connection.Id, item.Connection.RemoteEndPoint);
                    RaiseOpened(item.Connection);
                    break;
                case InboundKind.Messages when item.Connection.ClosedRaised || item.Connection.ClosedHere:
                    // Arrived as the connection was being closed from another thread, or this side has closed it: it is
                    // over for the game.
                    item.Connection.Drained(NetConnection.QueuedCost(item.Buffer!));
                    Frames.Return(item.Buffer!);
                    break;
                case InboundKind.Messages:
                    _current = item;
                    _currentOffset = 0;
                    Dispatch();
                    break;
                case InboundKind.Snapshot:
                    try
                    {
                        if (!item.Connection.ClosedRaised && !item.Connection.ClosedHere)
                        {
                            OnSnapshot(item.Connection, item.Buffer.AsSpan(0, item.Length));
                            Rpc.Replay(Limits); // runs the game's methods: what they throw goes to the caller of Poll()
                        }
                    }
                    finally
                    {
                        item.Connection.Drained(NetConnection.QueuedCost(item.Buffer!));
                        Frames.Return(item.Buffer!);
                    }

                    break;
                case InboundKind.Closed:
                    Log.Closed(Logger, item.Connection.Id, item.Connection.RemoteEndPoint, item.Info.Reason, item.Info.Message);
                    item.Connection.ClosedRaised = true;
                    Rpc.OnClosed(item.Connection, item.Info);
                    RaiseClosed(item.Connection, item.Info);
                    break;
            }
        }

        OnPolled();
        Flush();
        Metrics.RecordTick(Time.GetElapsedTime(started));
    }

    /// <summary>The endpoint's world, whose counters the meter reads.</summary>
    protected virtual NetWorld? ReplicatedWorld => null;

    /// <summary>The server's meter.</summary>
    public const string ServerMeterName = "Travelers.Server";

    /// <summary>The client's meter.</summary>
    public const string ClientMeterName = "Travelers.Client";

    /// <summary>The name of this endpoint's meter: <see cref="ServerMeterName"/> or <see cref="ClientMeterName"/>.</summary>
    protected abstract string MeterName { get; }

    /// <summary>Hands every connection's queued messages to its socket.</summary>
    public void Flush()
    {
        int count = _dirty.Count;
        while (count-- > 0 && _dirty.TryDequeue(out NetConnection? connection))
        {
            connection.Flush();
        }
    }

    /// <summary>
    /// Dispatches the current batch from where it stopped: a handler that throws leaves the rest of its batch
    /// for the next <see cref="Poll"/>, so nothing is lost.
    /// </summary>
    private void Dispatch()
    {
        NetConnection connection = _current.Connection;
        ReadOnlySpan<byte> batch = _current.Buffer.AsSpan(0, _current.Length);
        NetLimits limits = Limits;
        bool done = false;
        int count = 0;
        try
        {
            // A connection this side has closed (a handler kicked its sender, say) has nothing more handled: its
            // calls would otherwise still pass the checks of ownership and sight until its ConnectionClosed.
            while (_currentOffset < batch.Length && !connection.ClosedHere)
            {
                int offset = _currentOffset;
                if (!TryReadVarUInt(batch, ref offset, out uint index) || !TryReadVarUInt(batch, ref offset, out uint length) || length > (uint)(batch.Length - offset))
                {
                    throw new NetProtocolException($"a message record cut short at byte {_currentOffset} of a {batch.Length}-byte batch");
                }

                if (index >= (uint)_byIndex.Length)
                {
                    throw new NetProtocolException($"an unknown message type index {index} (this side has {_byIndex.Length - 2} types and the 2 of RPC)");
                }

                ReadOnlySpan<byte> body = batch.Slice(offset, (int)length);
                _currentOffset = offset + (int)length;
                count++;
                HandlerEntry? handler = _byIndex[index];
                if (handler is null)
                {
                    if (Interlocked.Increment(ref _unhandled[index]) == 1)
                    {
                        Log.Unhandled(Logger, Table.Types[(int)index].Name);
                    }

                    continue;
                }

                handler.Invoke(connection, body, limits);
            }

            done = true;
        }
        catch (NetProtocolException e)
        {
            done = true;
            Log.ProtocolViolation(Logger, connection.Id, connection.RemoteEndPoint, e.Message);
            connection.Close(new DisconnectInfo(DisconnectReason.ProtocolViolation, e.Message), notifyPeer: true);
        }
        finally
        {
            // Counted once per batch (or per interrupted part of one), not per message.
            connection.CountReceived(count);
            if (done)
            {
                connection.Drained(NetConnection.QueuedCost(_current.Buffer!));
                Frames.Return(_current.Buffer!);
                _current = default;
                _currentOffset = -1;
            }
        }
    }

    /// <summary>Reads a varint of at most 32 bits at <paramref name="offset"/>; false if cut short or too long.</summary>
    internal static bool TryReadVarUInt(ReadOnlySpan<byte> span, ref int offset, out uint value)
    {
        value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (offset >= span.Length)
            {
                return false;
            }

            byte b = span[offset++];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return shift < 28 || b < 0x10;
            }
        }

        return false;
    }

    /// <summary>A control frame other than heartbeats and notices, on an I/O thread.</summary>
    public abstract void OnControlFrame(NetConnection connection, FrameKind kind, in ReadOnlySequence<byte> body);

    /// <summary>
    /// A connection has begun to close (any thread). An opened one gets its ConnectionClosed now, queued behind
    /// the batches it had received, not when its socket is finally gone after the linger.
    /// </summary>
    public virtual void OnConnectionClosing(NetConnection connection, DisconnectInfo info, bool wasOpen)
    {
        if (wasOpen)
        {
            Enqueue(new Inbound(InboundKind.Closed, connection, info: info));
        }
    }

    /// <summary>A connection's link has stopped, on an I/O thread.</summary>
    public abstract void OnConnectionClosed(NetConnection connection, DisconnectInfo info, bool wasOpen);

    /// <summary>At the end of each Poll(), before queued messages are flushed.</summary>
    protected virtual void OnPolled()
    {
    }

    /// <summary>Whether snapshot frames are expected (client): on the server they are a protocol violation.</summary>
    public virtual bool ReceivesSnapshots => false;

    /// <summary>A snapshot part, in Poll() (client only).</summary>
    protected virtual void OnSnapshot(NetConnection connection, ReadOnlySpan<byte> part)
    {
    }

    /// <summary>A hello waiting for approval, in Poll() (server only).</summary>
    protected virtual void OnHello(NetConnection connection, Handshake.Hello hello)
    {
    }

    protected abstract void RaiseOpened(NetConnection connection);

    protected abstract void RaiseClosed(NetConnection connection, DisconnectInfo info);

    /// <summary>The connections the timer looks after (open ones and those in handshake).</summary>
    protected abstract IReadOnlyList<NetConnection> Tracked { get; }

    private async Task MaintainAsync(TimeSpan tick)
    {
        using var timer = new PeriodicTimer(tick, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                IReadOnlyList<NetConnection> tracked = Tracked;
                for (int i = 0; i < tracked.Count; i++)
                {
                    try
                    {
                        Maintain(tracked[i]);
                    }
                    catch (Exception e)
                    {
                        // The game's logger or metric listener, say: the other connections' timeouts and heartbeats
                        // go on, and so do later ticks (a silent peer is still cut).
                        Fault(e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>UDP links need a clock between polls: a game polling at 20 Hz must not hold acknowledgements or retransmissions for 50 ms.</summary>
    /// <remarks>On the system clock, <see cref="UdpServiceThread"/> is that clock; this timer serves other providers (a test's fake clock).</remarks>
    private async Task ServiceAsync()
    {
        using var timer = new PeriodicTimer(UdpServiceInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                FlushLinks();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Keeps the first exception out of work no caller waits on (timers, the accept loop): that work goes on, and
    /// <see cref="EndAsync"/> throws it once everything is stopped.
    /// </summary>
    /// <param name="exception">What was thrown.</param>
    protected void Fault(Exception exception) => Interlocked.CompareExchange(ref _backgroundFault, exception, null);

    /// <summary><see cref="Fault"/> for the runtime's parts: what the game's callbacks threw where no caller of its own waits (null: nothing).</summary>
    internal void ReportFault(Exception? exception)
    {
        if (exception is not null)
        {
            Fault(exception);
        }
    }

    /// <summary>One tick of <see cref="UdpServiceThread"/>: the links flushed.</summary>
    void UdpServiceThread.IServiced.ServiceTick() => FlushLinks();

    /// <summary>
    /// Flushes every link. One that throws (a close's callbacks reach the game's loggers and metric listeners) does
    /// not stop the others, nor later ticks: those end lingering closes, which a stop waits for. The first fault is
    /// kept, and <see cref="EndAsync"/> throws it.
    /// </summary>
    private void FlushLinks()
    {
        // A snapshot array, walked by index: the service allocates nothing per tick.
        IReadOnlyList<NetConnection> tracked = Tracked;
        for (int i = 0; i < tracked.Count; i++)
        {
            try
            {
                tracked[i].Link.Flush();
            }
            catch (Exception e)
            {
                Fault(e);
            }
        }
    }

    /// <summary>Handshake deadline, idle timeout, frames held open, heartbeats.</summary>
    private void Maintain(NetConnection connection)
    {
        if (connection.Link.IsClosing)
        {
            return;
        }

        ConnectionState state = connection.State;
        string? timeout = null;
        if (state is ConnectionState.Handshaking)
        {
            // The handshake has its own bound, and silence within it is judged by it alone: between a hello and its
            // answer nothing else flows (no heartbeats before the connection opens), and a game that allows a long
            // handshake (a slow network, a server's approval) must not lose it to the idle timeout first.
            if (Time.GetElapsedTime(connection.Created) > Options.HandshakeTimeout)
            {
                timeout = $"no handshake within {Options.HandshakeTimeout.TotalSeconds:0.###} s";
            }
        }
        else if (Time.GetElapsedTime(connection.Link.LastReceive) > Options.Timeout)
        {
            timeout = $"nothing received for {Options.Timeout.TotalSeconds:0.###} s";
        }
        else if (connection.Link.PartialFrameSince is var since && since != 0 && Time.GetElapsedTime(since) > Options.Timeout)
        {
            timeout = $"a frame left incomplete for {Options.Timeout.TotalSeconds:0.###} s";
        }

        if (timeout is not null)
        {
            // Closed first: a logger that throws must not keep a silent peer connected.
            connection.Close(new DisconnectInfo(DisconnectReason.Timeout, $"Timed out: {timeout}."), notifyPeer: true);
            Log.TimedOut(Logger, connection.Id, connection.RemoteEndPoint, timeout);
            return;
        }

        if (state == ConnectionState.Open && Time.GetElapsedTime(connection.LastPing) >= Options.HeartbeatInterval)
        {
            connection.Ping();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The wire index of a type in the table it was last looked up in.</summary>
    private static class TypeIndex<T>
        where T : INetMessage<T>
    {
        public static Slot? Cached;

        public sealed record Slot(MessageTable Table, int Index);
    }
}
