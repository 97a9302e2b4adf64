using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Travelers.Messaging;
using Travelers.Replication;

namespace Travelers.Rpc;

/// <summary>
/// The RPC side of one server or client: sends calls and answers as records of the reserved indexes
/// (<see cref="RpcWire"/>), checks and runs the calls that arrive (in Poll()), and on a client keeps the table
/// of calls waiting for answers and the calls waiting for their entity to arrive.
/// </summary>
/// <remarks>
/// RPC sits above replication: a call on an entity is checked against the entity's owner and the caller's
/// interest, which replication holds. Replication knows nothing of RPC.
/// </remarks>
internal sealed class RpcRuntime
{
    /// <summary>Calls for entities a client does not have yet, held until they arrive (at most this many).</summary>
    public const int MaxDeferred = 1024;

    /// <summary>The most memory (pooled arrays) a client holds in calls for entities it does not have yet: a server's word decides their size.</summary>
    public const int MaxDeferredBytes = 1 << 20;

    private readonly NetEndpoint _endpoint;
    private readonly List<NetService> _added = new(); // the lock of AddService
    private volatile Dictionary<Type, NetService?> _services = new(); // by each type an added service is, up to NetService; null: more than one is
    private readonly object _gate = new();
    private readonly Dictionary<uint, PendingCall> _pending = new();
    private string?[]? _refusalTexts; // server, in Poll(): RefusalText
    // Earliest first, not in the order the calls were made: RpcTimeout may change between calls, and a call made with
    // a shorter one must not wait behind an older call's longer deadline.
    private readonly PriorityQueue<uint, long> _deadlines = new();
    private readonly List<(uint Id, long Deadline)> _liveDeadlines = new(); // DropAnsweredDeadlines' scratch
    private readonly List<Deferred> _deferred = new();
    private int _deferredBytes;
    private long _deferredEarliest = long.MaxValue; // no later than the earliest deadline of the calls waiting: RpcTimeout may change between them
    private bool _replaying;
    private MessageTable? _table;
    private NetRpcType[] _rpcs = []; // the table's RPCs, as an array: one load fewer per call than the ImmutableArray's field
    private int _callIndex; // the call record's type index, read once per call sent
    private bool _isServer;
    private NetWorld? _world;
    private ServerReplication? _server; // the world's server side, held here: one hop fewer per call dispatched
    private uint _nextCall = 1;
    private bool _callIdsWrapped; // every id has been issued once: an answer to any of them may be a late one
    private string? _ended; // why every pending call was failed: the client's connection closed, or it was disposed
    private long _refused;

    public RpcRuntime(NetEndpoint endpoint)
    {
        _endpoint = endpoint;
        CallEntry = new CallHandler(this);
        AnswerEntry = new AnswerHandler(this);
    }

    /// <summary>Reads call records.</summary>
    public HandlerEntry CallEntry { get; }

    /// <summary>
    /// A client's connection to its server, where its calls go; null on a server. Held here rather than on the
    /// endpoint: a call reaches it from the entity in three loads (entity, world, runtime) instead of five.
    /// </summary>
    public NetConnection? Connection { get; set; }

    /// <summary>Reads answer records.</summary>
    public HandlerEntry AnswerEntry { get; }

    /// <summary>Memory held by calls waiting for their entities (client), against <see cref="MaxDeferredBytes"/>.</summary>
    public int DeferredBytes => _deferredBytes;

    /// <summary>Calls and answers refused or dropped, all reasons.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Calls waiting for answers (client).</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    private MessageTable Table => _table ?? throw new InvalidOperationException("Not started.");

    public void Start(MessageTable table)
    {
        _isServer = _endpoint.IsServer;
        _world = _endpoint.EndpointWorld;
        _server = _world?.Server;
        _table = table;
        _callIndex = table.RpcCallIndex;
        _rpcs = ImmutableCollectionsMarshal.AsArray(table.Rpcs) ?? [];
    }

    // ---- services ----

    public void AddService<T>(T service)
        where T : NetService
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.Endpoint is not null)
        {
            throw new InvalidOperationException($"This {typeof(T).Name} was added to a server or client already: create one instance per server and per client.");
        }

        Type own = service.GetType();
        lock (_added)
        {
            foreach (NetService other in _added)
            {
                if (other.GetType() == own)
                {
                    throw new InvalidOperationException($"A {own.Name} was added already: a service has one instance per server and per client.");
                }

                // A type both are whose RPCs they share: its calls could not tell which of them to run on.
                for (Type type = own; type != typeof(NetService); type = type.BaseType!)
                {
                    if (type.IsInstanceOfType(other) && NetMessageRegistry.Rpcs.Any(rpc => rpc.Info.DeclaringType == type))
                    {
                        throw new InvalidOperationException(
                            $"A {other.GetType().Name} was added already, and it is a {type.Name} too: {type.Name}'s RPCs run on one service per server and per client.");
                    }
                }
            }

            _added.Add(service);
            var byType = new Dictionary<Type, NetService?>();
            foreach (NetService added in _added)
            {
                for (Type type = added.GetType(); type != typeof(NetService); type = type.BaseType!)
                {
                    byType[type] = byType.ContainsKey(type) ? null : added;
                }
            }

            _services = byType; // read without the lock: by dispatch in Poll(), by Service<T>() anywhere
        }

        service.Endpoint = _endpoint;
    }

    public T Service<T>()
        where T : NetService
    {
        if (_services.TryGetValue(typeof(T), out NetService? service))
        {
            return service is not null
                ? (T)service
                : throw new InvalidOperationException($"More than one service added is a {typeof(T).Name}: ask for the one you mean by its own type.");
        }

        throw new InvalidOperationException($"No {typeof(T).Name} was added: call AddService(new {typeof(T).Name}()) first.");
    }

    // ---- sending ----

    /// <summary>A fire-and-forget call, to wherever its target says.</summary>
    public void Send<TCall>(NetEntity? entity, in TCall call)
        where TCall : struct, IRpcCall<TCall>
    {
        RpcInfo info = TCall.Info;
        if (info.Target == RpcTarget.Server)
        {
            SendCall(ServerConnection(info), entity?.Id.Value ?? 0, 0, in call);
            return;
        }

        SendToClients(entity, in call, info); // out of line: its spawn path and loop would weigh on every server call
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SendToClients<TCall>(NetEntity? entity, in TCall call, RpcInfo info)
        where TCall : struct, IRpcCall<TCall>
    {
        RequireServer(info);
        uint target = entity?.Id.Value ?? 0;
        if (info.Target == RpcTarget.Owner)
        {
            if (entity?.OwnerConnection is { } owner)
            {
                if (entity.Replica is ServerReplica { Unpublished: true, SpawnCalls: not null })
                {
                    // Observers calls made before it this tick wait for Publish(): sent now, it would overtake them.
                    QueueSpawnCall(entity, in call, info, target, owner);
                    return;
                }

                SendCall(owner, target, 0, in call);
            }

            return;
        }

        if (entity is not null && entity.Replica is ServerReplica { Unpublished: true })
        {
            // Spawned this tick: no client sees it until Publish() decides who does. The call goes to those.
            QueueSpawnCall(entity, in call, info, target, only: null);
            return;
        }

        foreach (NetConnection connection in _endpoint.OpenConnections!)
        {
            if (entity is null || connection.Sees(entity))
            {
                SendCall(connection, target, 0, in call);
            }
        }
    }

    /// <summary>
    /// Queues a call on an entity not yet published for the clients its first Publish() spawns it on (only
    /// <paramref name="only"/>, when given), checked now as a call sent at once would be.
    /// </summary>
    private void QueueSpawnCall<TCall>(NetEntity entity, in TCall call, RpcInfo info, uint target, NetConnection? only)
        where TCall : struct, IRpcCall<TCall>
    {
        var record = new RpcCallRecord<TCall>((uint)IndexOf<TCall>(), 0, target, in call);
        var bytes = new ArrayBufferWriter<byte>();
        NetSerializer.Serialize(bytes, in record, _endpoint.Limits);
        _endpoint.RequireSendable($"{info.Name} call", _callIndex, bytes.WrittenCount, info.Delivery, info.Channel);
        _endpoint.EndpointWorld!.Server!.QueueSpawnCall(entity, new SpawnCall(this, bytes.WrittenSpan.ToArray(), info, only));
    }

    /// <summary>A call whose caller learns that it ran.</summary>
    public ValueTask Request<TCall>(NetEntity? entity, in TCall call, CancellationToken cancellationToken)
        where TCall : struct, IRpcCall<TCall>
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var pending = PendingCall.Plain.Rent(TCall.Info);
        if (Begin(pending, entity, in call, cancellationToken) is { } error)
        {
            pending.Unused();
            return ValueTask.FromException(error);
        }

        return pending.Task;
    }

    /// <summary>A call whose caller gets a value.</summary>
    public ValueTask<TResult> Request<TCall, TResult>(NetEntity? entity, in TCall call, CancellationToken cancellationToken)
        where TCall : struct, IRpcRequest<TCall, TResult>
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TResult>(cancellationToken);
        }

        var pending = PendingCall.Valued<TCall, TResult>.Rent();
        if (Begin(pending, entity, in call, cancellationToken) is { } error)
        {
            pending.Unused();
            return ValueTask.FromException<TResult>(error);
        }

        return pending.Task;
    }

    private Exception? Begin<TCall>(PendingCall pending, NetEntity? entity, in TCall call, CancellationToken cancellationToken)
        where TCall : struct, IRpcCall<TCall>
    {
        RpcInfo info = TCall.Info;
        NetConnection connection = ServerConnection(info);
        if (!connection.IsConnected)
        {
            return new RpcException($"{info.Name} cannot be called: the client is not connected.");
        }

        var options = (NetClientOptions)_endpoint.Options;
        TimeSpan timeout = options.RpcTimeout; // read once: the game may change it between calls
        long deadline = DeadlineAfter(timeout);
        lock (_gate)
        {
            if (_ended is { } why)
            {
                // Failed after the calls pending were: nothing would answer this one, nor fail it (no Poll() comes
                // after a dispose), and it would wait for ever.
                return new RpcException($"{info.Name} cannot be called: {why}.");
            }

            if (_pending.Count >= options.MaxPendingRpcs)
            {
                return new RpcException($"{info.Name} cannot be called: {options.MaxPendingRpcs} calls are waiting for answers already (NetClientOptions.MaxPendingRpcs).");
            }

            uint id = _nextCall;
            while (id == 0 || _pending.ContainsKey(id))
            {
                id++;
            }

            if (id == uint.MaxValue)
            {
                _callIdsWrapped = true; // the last id: the next ones go round again
            }

            _nextCall = id + 1;
            pending.Id = id;
            pending.Runtime = this;
            pending.Timeout = timeout;
            _pending.Add(id, pending);
            _deadlines.Enqueue(id, deadline);
            if (_deadlines.Count > (2 * _pending.Count) + 64)
            {
                // Answered calls leave their deadlines behind the earliest call still waiting: a slow call at the head
                // would otherwise hold one entry per call made within RpcTimeout.
                DropAnsweredDeadlines();
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var p = (PendingCall)state!;
                p.Runtime?.Cancel(p, token);
            }, pending);
            bool kept;
            lock (_gate)
            {
                // Stored under the lock its completion removes it under: whoever completes it later reads this one.
                kept = IsPendingLocked(pending);
                if (kept)
                {
                    pending.Registration = registration;
                }
            }

            if (!kept)
            {
                // Ended meanwhile (failed by a dispose on another thread, or expired): its completion had no
                // registration to end. Disposed here, waiting out a callback running elsewhere, before the caller
                // can read the result and give the object back to be reused.
                registration.Dispose();
            }
        }

        try
        {
            SendCall(connection, entity?.Id.Value ?? 0, pending.Id, in call);
        }
        catch
        {
            // Not given back to the spares: a cancellation on another thread may have completed it meanwhile.
            Remove(pending.Id);
            pending.Registration.Unregister();
            throw;
        }

        return null;
    }

    private void Cancel(PendingCall pending, CancellationToken token)
    {
        bool removed;
        lock (_gate)
        {
            // This call's entry only: its id may be another call's by now.
            removed = IsPendingLocked(pending) && _pending.Remove(pending.Id);
        }

        if (removed)
        {
            pending.Cancel(token);
        }
    }

    private bool IsPendingLocked(PendingCall pending) => _pending.TryGetValue(pending.Id, out PendingCall? entry) && entry == pending;

    /// <summary>The endpoint's timestamp <paramref name="timeout"/> from now.</summary>
    private long DeadlineAfter(TimeSpan timeout) =>
        _endpoint.Time.GetTimestamp() + (long)(timeout.TotalSeconds * _endpoint.Time.TimestampFrequency);

    /// <summary>Keeps the deadlines of calls still waiting; under the lock.</summary>
    private void DropAnsweredDeadlines()
    {
        _liveDeadlines.Clear();
        foreach ((uint id, long deadline) in _deadlines.UnorderedItems)
        {
            if (_pending.ContainsKey(id))
            {
                _liveDeadlines.Add((id, deadline));
            }
        }

        _deadlines.Clear();
        foreach ((uint id, long deadline) in _liveDeadlines)
        {
            _deadlines.Enqueue(id, deadline);
        }
    }

    /// <summary>Makes <paramref name="next"/> the next correlation id (tests: the ids' wrap without four billion calls).</summary>
    internal void SkipCallIds(uint next)
    {
        lock (_gate)
        {
            _nextCall = next;
        }
    }

    /// <summary>Deadlines held (tests): at most about twice the calls waiting.</summary>
    internal int DeadlinesHeld
    {
        get
        {
            lock (_gate)
            {
                return _deadlines.Count;
            }
        }
    }

    private PendingCall? Remove(uint id)
    {
        lock (_gate)
        {
            return _pending.Remove(id, out PendingCall? pending) ? pending : null;
        }
    }

    private void SendCall<TCall>(NetConnection connection, uint target, uint callId, in TCall call)
        where TCall : struct, IRpcCall<TCall>
    {
        RpcInfo info = TCall.Info;
        var record = new RpcCallRecord<TCall>((uint)IndexOf<TCall>(), callId, target, in call);
        connection.SendRecord(_callIndex, in record, info.Delivery, info.Channel);
    }

    // Small enough to inline into every call: its two refusals build their text out of line. A server has no server
    // connection, so the one test covers both.
    private NetConnection ServerConnection(RpcInfo info) =>
        Connection is { } connection ? connection : ThrowNoServerConnection(info);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private NetConnection ThrowNoServerConnection(RpcInfo info) => throw new InvalidOperationException(_isServer
        ? $"{info.Name} is a Server RPC: clients call it, and it runs here. On the server, call what it does directly."
        : $"{info.Name} cannot be called: the client is not connected.");

    private void RequireServer(RpcInfo info)
    {
        if (!_isServer)
        {
            throw new InvalidOperationException($"{info.Name} is an {info.Target} RPC: the server calls it and it runs on clients; a client cannot call it.");
        }
    }

    /// <summary>The RPC index of <typeparamref name="TCall"/> in this endpoint's table, cached per type.</summary>
    private int IndexOf<TCall>()
        where TCall : struct, IRpcCall<TCall>
    {
        MessageTable table = Table;
        RpcIndex<TCall>.Slot? slot = RpcIndex<TCall>.Cached;
        if (slot is not null && ReferenceEquals(slot.Table, table))
        {
            return slot.Index;
        }

        int index = table.RpcIndexOf(TCall.MessageId);
        if (index < 0)
        {
            throw new InvalidOperationException(
                $"{TCall.Info.Name} was not registered when this {_endpoint.Name} started: its assembly's [Rpc] methods register when it loads.");
        }

        RpcIndex<TCall>.Cached = new RpcIndex<TCall>.Slot(table, index);
        return index;
    }

    // ---- answering (server) ----

    /// <summary>Answers a <c>ValueTask</c> call once it completes.</summary>
    public void Complete<TCall>(in RpcContext context, ValueTask task)
        where TCall : struct, IRpcCall<TCall>
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            Answer(context.Caller, RpcStatusAnswer.Done(context.Call), context.Call, TCall.Info);
            return;
        }

        _ = CompleteAsync<TCall>(context, task);
    }

    private async Task CompleteAsync<TCall>(RpcContext context, ValueTask task)
        where TCall : struct, IRpcCall<TCall>
    {
        Exception? failure = null;
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }

        try
        {
            if (failure is null)
            {
                Answer(context.Caller, RpcStatusAnswer.Done(context.Call), context.Call, TCall.Info);
            }
            else
            {
                Failed(context, TCall.Info, failure);
            }
        }
        catch (Exception e)
        {
            _endpoint.ReportFault(e); // the game's logger, say: nobody awaits this task, so the stop reports it
        }
    }

    /// <summary>Answers a <c>ValueTask&lt;TResult&gt;</c> call with its value once it completes.</summary>
    public void Complete<TCall, TResult>(in RpcContext context, ValueTask<TResult> task)
        where TCall : struct, IRpcRequest<TCall, TResult>
    {
        if (task.IsCompletedSuccessfully)
        {
            AnswerValue<TCall, TResult>(context, task.Result);
            return;
        }

        _ = CompleteAsync<TCall, TResult>(context, task);
    }

    private async Task CompleteAsync<TCall, TResult>(RpcContext context, ValueTask<TResult> task)
        where TCall : struct, IRpcRequest<TCall, TResult>
    {
        TResult value = default!;
        Exception? failure = null;
        try
        {
            value = await task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }

        try
        {
            if (failure is null)
            {
                AnswerValue<TCall, TResult>(context, value);
            }
            else
            {
                Failed(context, TCall.Info, failure);
            }
        }
        catch (Exception e)
        {
            _endpoint.ReportFault(e); // the game's logger, say: nobody awaits this task, so the stop reports it
        }
    }

    private void AnswerValue<TCall, TResult>(in RpcContext context, TResult value)
        where TCall : struct, IRpcRequest<TCall, TResult>
    {
        if (context.Call == 0)
        {
            return;
        }

        try
        {
            Answer(context.Caller, new RpcValueAnswer<TCall, TResult>(context.Call, value), context.Call, TCall.Info);
        }
        catch (Exception e) when (e is NetSerializationException or ArgumentException)
        {
            // The value cannot travel (over a limit): the caller learns why rather than waiting for its timeout.
            Failed(context, TCall.Info, e);
        }
    }

    private void Answer<TAnswer>(NetConnection caller, in TAnswer answer, uint call, RpcInfo info)
        where TAnswer : INetMessage<TAnswer>
    {
        if (call != 0)
        {
            caller.SendRecord(Table.RpcAnswerIndex, in answer, Delivery.ReliableOrdered, info.Channel);
        }
    }

    /// <summary>The method threw: logged here with its stack trace (at Error the first time per connection and RPC); the caller of a request gets the type and message only.</summary>
    /// <remarks>The caller is answered before anything is logged: a logger that throws must not leave it waiting for its timeout.</remarks>
    public void Failed(in RpcContext context, RpcInfo info, Exception exception)
    {
        if (context.Call != 0 && _isServer)
        {
            Answer(context.Caller, RpcStatusAnswer.Error(context.Call, RpcStatus.Failed, exception.GetType().Name + ": " + exception.Message, ErrorTextBytes), context.Call, info);
        }

        if (context.Peer?.FirstFailure(info) ?? true)
        {
            Log.RpcFailed(_endpoint.Logger, info.Name, context.Caller.Id, exception);
        }
        else
        {
            Log.RpcFailedAgain(_endpoint.Logger, info.Name, context.Caller.Id, exception);
        }
    }

    // ---- receiving ----

    /// <summary>A call record, in Poll(): its header read, then checked and run (or refused) by its RPC's entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into the call records' handler: one frame fewer per call
    private void OnCall(NetConnection from, ReadOnlySpan<byte> body, NetLimits limits)
    {
        RpcCallHeader header = RpcWire.ReadCallHeader(body);
        if (!header.IsValid)
        {
            RefuseCall(from, -1, RpcRefusal.Malformed, 0, null);
            return;
        }

        NetRpcType[] rpcs = _rpcs;
        if (header.Rpc >= (uint)rpcs.Length)
        {
            RefuseCall(from, -1, RpcRefusal.Unknown, header.Call, null, header.Rpc);
            return;
        }

        rpcs[header.Rpc].Dispatch(this, from, header, body, limits);
    }

    /// <summary>
    /// Checks a call of <typeparamref name="TCall"/> and runs it, or refuses it. Generic over the call, so that the
    /// RPC's settings come from a constant and the arguments' reader and the method inline here: one frame from the
    /// header to the game's code.
    /// </summary>
    /// <remarks>
    /// The common call, a client's on an entity of the server, is checked inline; services and calls arriving at a
    /// client go through <see cref="ResolveOther"/>. Every refusal's text is built out of line (RefuseCall):
    /// interpolated strings here made the frame hundreds of bytes, zeroed on every call.
    /// </remarks>
    internal void Dispatch<TCall>(NetConnection from, RpcCallHeader header, ReadOnlySpan<byte> body, NetLimits limits)
        where TCall : struct, IRpcCall<TCall>
    {
        RpcInfo info = TCall.Info;
        int index = (int)header.Rpc;
        bool server = _isServer;
        object? instance;
        NetEntity? entity;
        if (server && info.Target == RpcTarget.Server && !info.IsService)
        {
            // The entity's lookup and the caller's view of it are two chains of loads: both start from the id, so
            // that the processor follows them side by side.
            var id = new NetId(header.Target);
            entity = _server!.Find(id);
            bool sees = ServerReplication.SeesOwn(from, id);
            if (entity is null || !IsA(entity, info.DeclaringType))
            {
                RefuseCall(from, index, RpcRefusal.Entity, header.Call, entity, header.Target);
                return;
            }

            if (!sees)
            {
                RefuseCall(from, index, RpcRefusal.Visibility, header.Call, entity);
                return;
            }

            if (info.RequireOwnership && entity.OwnerConnection != from)
            {
                RefuseCall(from, index, RpcRefusal.Ownership, header.Call, entity);
                return;
            }

            instance = entity;
        }
        else
        {
            // Not an out parameter: one would pin entity to the stack frame on the common path as well.
            instance = ResolveOther(from, info, index, header.Call, header.Target, body);
            if (instance is null)
            {
                return; // refused, or waiting for its entity
            }

            entity = instance as NetEntity;
        }

        RpcPeer peer = PeerOf(from);
        if (server && info.MaxPerSecond > 0 && !peer.TryTake(index, info.MaxPerSecond, _endpoint.Time.GetTimestamp(), _endpoint.Time.TimestampFrequency))
        {
            RefuseCall(from, index, RpcRefusal.Rate, header.Call, entity);
            return;
        }

        uint call = server ? header.Call : 0;
        TCall arguments;
        try
        {
            arguments = NetSerializer.Deserialize<TCall>(body[header.Offset..], limits);
        }
        catch (NetSerializationException e)
        {
            CountUnreadable(from);
            Refuse(from, index, RpcRefusal.Malformed, call, e.Message);
            return;
        }

        try
        {
            // Made here and again in the handler rather than shared: a method that ignores its context (most inline
            // here) then costs nothing for it.
            TCall.Invoke(instance, ref arguments, new RpcContext(from, entity, peer, call));
        }
        catch (Exception e)
        {
            Failed(new RpcContext(from, entity, peer, call), info, e);
        }
    }

    /// <summary>
    /// The instance a call runs on when it is not a client's call on a server entity: a service, or an entity of a
    /// client. Null when the call was refused, or is held until its entity arrives.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private object? ResolveOther(NetConnection from, RpcInfo info, int index, uint call, uint target, ReadOnlySpan<byte> body)
    {
        if (_isServer != (info.Target == RpcTarget.Server))
        {
            RefuseCall(from, index, RpcRefusal.Direction, call, null);
            return null;
        }

        if (info.IsService)
        {
            if (_services.TryGetValue(info.DeclaringType, out NetService? service) && service is not null)
            {
                return service; // never null for a type with RPCs: AddService refuses a second service of it
            }

            RefuseCall(from, index, RpcRefusal.Service, call, null);
            return null;
        }

        // A call that came to a client (an Owner or Observers RPC).
        if (target == 0)
        {
            // An entity's RPC without its entity: no spawn will ever make it runnable, so it is not held for one.
            RefuseCall(from, index, RpcRefusal.Malformed, call, null);
            return null;
        }

        NetEntity? entity = _world!.Client!.Find(new NetId(target));
        if (entity is null || (_deferred.Count > 0 && !_replaying && Waiting(target)))
        {
            // Calls are reliable and snapshots are not: the call may come before its entity. It waits; and so does
            // one behind older calls for its entity still waiting (their replay cut short by a throw), in order.
            Defer(from, index, body);
            return null;
        }

        if (!IsA(entity, info.DeclaringType))
        {
            RefuseCall(from, index, RpcRefusal.Entity, call, entity, target);
            return null;
        }

        return entity;
    }

    /// <summary>
    /// Refuses a call for <paramref name="reason"/>, with the detail for the log written here: out of line, so that
    /// <see cref="OnCall"/> keeps a small frame.
    /// </summary>
    /// <param name="from">The caller.</param>
    /// <param name="index">The RPC's index, or -1 when unknown.</param>
    /// <param name="reason">Why.</param>
    /// <param name="call">The correlation id, 0 for none.</param>
    /// <param name="entity">The entity the call named, when found.</param>
    /// <param name="value">The RPC index read (<see cref="RpcRefusal.Unknown"/>) or the target id (<see cref="RpcRefusal.Entity"/>).</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RefuseCall(NetConnection from, int index, RpcRefusal reason, uint call, NetEntity? entity, uint value = 0)
    {
        if (reason is RpcRefusal.Malformed or RpcRefusal.Unknown)
        {
            CountUnreadable(from);
        }

        if (!RefuseQuietly(from, index, reason, call))
        {
            return; // logged before for this connection and RPC: no text to build
        }

        RpcInfo? info = index >= 0 ? Table.Rpcs[index].Info : null;
        string detail = reason switch
        {
            RpcRefusal.Malformed => "a call whose header is cut short or out of range",
            RpcRefusal.Unknown => $"a call of RPC index {value} (there are {Table.Rpcs.Length})",
            RpcRefusal.Direction => $"an {info!.Target} RPC sent to the {(_isServer ? "server" : "client")}",
            RpcRefusal.Service => $"no {info!.DeclaringType.Name} was added here",
            RpcRefusal.Entity when _isServer => $"entity {new NetId(value)} is not a live {info!.DeclaringType.Name}",
            RpcRefusal.Entity => $"{entity} is not a {info!.DeclaringType.Name}",
            RpcRefusal.Visibility => $"{entity} is not in the caller's interest",
            RpcRefusal.Ownership => $"{entity} is not the caller's",
            RpcRefusal.Rate => $"over {info!.MaxPerSecond} calls a second",
            _ => reason.ToString(),
        };
        Log.RpcRefused(_endpoint.Logger, info?.Name ?? UnknownRpc, from.Id, from.RemoteEndPoint, RpcRefusals.Tag(reason), detail);
    }

    /// <summary>
    /// On a server, a call that cannot be read (a header cut short, an RPC index past the table, arguments the
    /// serializer refuses) or an answer (a server makes no calls to answer) takes from its connection's allowance of
    /// them; past it, the connection is cut off as a violation: a correct client sends none, and refusing a flood of
    /// them one by one (an exception each) would be the client's to make long.
    /// </summary>
    private void CountUnreadable(NetConnection from)
    {
        if (_isServer && !PeerOf(from).TakeUnreadable(_endpoint.Time.GetTimestamp(), _endpoint.Time.TimestampFrequency))
        {
            throw new NetProtocolException(
                $"more than {RpcPeer.UnreadableBurst} RPC records that could not be read or answered no call (and {RpcPeer.UnreadablePerSecond} a second after)");
        }
    }

    /// <summary>Whether <paramref name="entity"/> is a <paramref name="type"/>: the exact type first, the common case, a field and a reference comparison.</summary>
    private static bool IsA(NetEntity entity, Type type) => ReferenceEquals(entity.ClrType, type) || type.IsInstanceOfType(entity);

    /// <summary>How much error text this endpoint's answers carry: within its limits and its frames.</summary>
    private int ErrorTextBytes => RpcWire.ErrorTextBytes(_endpoint.Limits, _endpoint.Options.MaxFrameBytes);

    private RpcPeer PeerOf(NetConnection connection) => connection.RpcPeerFor(Table.Rpcs.Length);

    /// <summary>A call not run: counted, logged once per connection and RPC, and answered when the caller waits for an answer.</summary>
    /// <remarks>Answered first, counted and logged after: a metric listener or logger that throws leaves no caller waiting for its timeout.</remarks>
    public void Refuse(NetConnection from, int rpc, RpcRefusal reason, uint call, string detail)
    {
        if (RefuseQuietly(from, rpc, reason, call))
        {
            Log.RpcRefused(_endpoint.Logger, rpc >= 0 ? Table.Rpcs[rpc].Info.Name : UnknownRpc, from.Id, from.RemoteEndPoint, RpcRefusals.Tag(reason), detail);
        }
    }

    private const string UnknownRpc = "an unknown RPC";

    /// <summary>
    /// Answers (a server, when the caller waits) and counts a refusal; true when it is the first of its RPC on this
    /// connection, the one to log. Nothing is allocated here: the answer's text is made once per RPC and reason.
    /// </summary>
    private bool RefuseQuietly(NetConnection from, int rpc, RpcRefusal reason, uint call)
    {
        Interlocked.Increment(ref _refused);
        if (call != 0 && _isServer)
        {
            RpcInfo? info = rpc >= 0 ? Table.Rpcs[rpc].Info : null;
            from.SendRecord(Table.RpcAnswerIndex, RpcStatusAnswer.Refused(call, RefusalText(rpc, reason)), Delivery.ReliableOrdered, info?.Channel ?? 0);
        }

        _endpoint.Metrics.RecordRpcRefused(RpcRefusals.Tag(reason));
        return PeerOf(from).FirstRefusal(rpc);
    }

    /// <summary>What the caller of a refused request reads, made once per RPC and reason (-1: a call of no known RPC).</summary>
    private string RefusalText(int rpc, RpcRefusal reason)
    {
        int reasons = RpcRefusals.Count;
        _refusalTexts ??= new string?[(Table.Rpcs.Length + 1) * reasons];
        ref string? text = ref _refusalTexts[((rpc + 1) * reasons) + (int)reason];
        return text ??= RpcWire.FitText($"{(rpc >= 0 ? Table.Rpcs[rpc].Info.Name : UnknownRpc)} was refused: {RpcRefusals.Describe(reason)}.", ErrorTextBytes);
    }

    /// <summary>An answer record, in Poll() (client).</summary>
    private void OnAnswer(NetConnection from, ReadOnlySpan<byte> body, NetLimits limits)
    {
        int offset = 0;
        if (!NetEndpoint.TryReadVarUInt(body, ref offset, out uint call) || offset >= body.Length)
        {
            CountUnreadable(from);
            Refuse(from, -1, RpcRefusal.Malformed, 0, "an answer whose header is cut short");
            return;
        }

        var status = (RpcStatus)body[offset++];
        PendingCall? pending = Remove(call);
        if (pending is null)
        {
            // A server makes no requests: every answer it gets names a call never made. A client's late answers are
            // those to ids it has issued: below the next one, or any once the ids have gone round.
            bool issued = false;
            if (!_isServer)
            {
                lock (_gate)
                {
                    issued = call != 0 && (_callIdsWrapped || call < _nextCall);
                }
            }

            if (!issued)
            {
                // Its text is made only for the log, once per connection: a flood of them builds none.
                CountUnreadable(from);
                if (RefuseQuietly(from, -1, RpcRefusal.Unknown, 0))
                {
                    Log.RpcRefused(_endpoint.Logger, UnknownRpc, from.Id, from.RemoteEndPoint, RpcRefusals.Tag(RpcRefusal.Unknown), $"an answer to call {call}, which was never made");
                }
            }

            // Otherwise a late answer to a call that timed out or was cancelled: nothing waits for it.
            return;
        }

        // Read before the call completes: its caller's continuation may run inside the completion and make another
        // call with the same object.
        string name = pending.Info.Name;
        ReadOnlySpan<byte> rest = body[offset..];
        switch (status)
        {
            case RpcStatus.Done:
                if (!pending.Succeed(rest, limits))
                {
                    Refuse(from, -1, RpcRefusal.Malformed, 0, $"an answer to {name} whose value cannot be read");
                }

                return;
            case RpcStatus.Failed or RpcStatus.Refused when NetSerializer.TryDeserialize(rest, limits, out RpcErrorText text):
                pending.Fail(new RpcException(text.Text));
                return;
            default:
                pending.Fail(new RpcException($"The answer to {name} could not be read."));
                Refuse(from, -1, RpcRefusal.Malformed, 0, $"an answer to {name} with status {(byte)status}");
                return;
        }
    }

    // ---- waiting (client) ----

    private void Defer(NetConnection from, int rpc, ReadOnlySpan<byte> body)
    {
        // Counted as the pooled arrays that hold the calls (a power of two each): the memory, not the bytes.
        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(body.Length, 1));
        if (_deferred.Count >= MaxDeferred || copy.Length > MaxDeferredBytes - _deferredBytes)
        {
            ArrayPool<byte>.Shared.Return(copy);
            Refuse(from, rpc, RpcRefusal.Expired, 0, $"{_deferred.Count} calls held in {_deferredBytes} bytes wait for their entities already (at most {MaxDeferred} and {MaxDeferredBytes})");
            return;
        }

        body.CopyTo(copy);
        long deadline = DeadlineAfter(((NetClientOptions)_endpoint.Options).RpcTimeout);
        _deferred.Add(new Deferred(from, rpc, copy, body.Length, deadline));
        _deferredEarliest = Math.Min(_deferredEarliest, deadline);
        _deferredBytes += copy.Length;
    }

    /// <summary>A waiting call is done with (run, expired, or its connection gone): its buffer back to the pool, its bytes off the budget.</summary>
    private void Release(Deferred waiting)
    {
        _deferredBytes -= waiting.Body.Length;
        ArrayPool<byte>.Shared.Return(waiting.Body);
    }

    /// <summary>Whether a call for <paramref name="target"/> waits already.</summary>
    private bool Waiting(uint target)
    {
        foreach (Deferred waiting in _deferred)
        {
            if (RpcWire.ReadCallHeader(waiting.Body.AsSpan(0, waiting.Length)).Target == target)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>After a snapshot part, in Poll(): calls whose entity has arrived run now, in the order they came.</summary>
    public void Replay(NetLimits limits)
    {
        if (_deferred.Count == 0)
        {
            return;
        }

        ClientReplication world = _endpoint.EndpointWorld!.Client!;
        int kept = 0;
        int i = 0;
        _replaying = true; // the calls run in the list's order: none waits behind those it holds
        try
        {
            for (; i < _deferred.Count; i++)
            {
                Deferred waiting = _deferred[i];
                uint target = RpcWire.ReadCallHeader(waiting.Body.AsSpan(0, waiting.Length)).Target;
                if (world.Find(new NetId(target)) is null)
                {
                    _deferred[kept++] = waiting;
                    continue;
                }

                try
                {
                    OnCall(waiting.From, waiting.Body.AsSpan(0, waiting.Length), limits);
                }
                finally
                {
                    Release(waiting);
                }

                if (waiting.From.ClosedHere)
                {
                    break; // the call closed its connection: as in a batch, nothing after it is handled (the close drops the rest)
                }
            }
        }
        finally
        {
            _replaying = false;
            Compact(kept, i); // a call that threw (a logger's exception, say) left the loop at i, released
        }
    }

    /// <summary>At the end of Poll() (client): calls past their timeout fail with <see cref="TimeoutException"/>; waiting calls past it are dropped.</summary>
    public void Expire()
    {
        long now = _endpoint.Time.GetTimestamp();
        while (true)
        {
            PendingCall? expired = null;
            lock (_gate)
            {
                if (!_deadlines.TryPeek(out uint id, out long deadline))
                {
                    break;
                }

                bool waiting = _pending.TryGetValue(id, out PendingCall? pending);
                if (waiting && deadline > now)
                {
                    break;
                }

                _deadlines.Dequeue();
                if (waiting)
                {
                    _pending.Remove(id);
                    expired = pending;
                }
            }

            if (expired is not null)
            {
                expired.Fail(new TimeoutException($"{expired.Info.Name} got no answer within {expired.Timeout.TotalSeconds:0.###} s (NetClientOptions.RpcTimeout)."));
            }
        }

        if (_deferred.Count > 0 && _deferredEarliest <= now)
        {
            int kept = 0;
            int i = 0;
            long earliest = long.MaxValue;
            try
            {
                for (; i < _deferred.Count; i++)
                {
                    Deferred waiting = _deferred[i];
                    if (waiting.Deadline > now)
                    {
                        _deferred[kept++] = waiting;
                        earliest = Math.Min(earliest, waiting.Deadline);
                        continue;
                    }

                    Release(waiting);
                    Refuse(waiting.From, waiting.Rpc, RpcRefusal.Expired, 0, "its entity did not arrive in time"); // logs: may throw
                }

                _deferredEarliest = earliest; // a walk cut short by a throw keeps the old value: no later than any left
            }
            finally
            {
                Compact(kept, i);
            }
        }
    }

    /// <summary>
    /// Ends a walk of the waiting calls that kept those before <paramref name="kept"/>: drops the rest, except, when an
    /// exception left the walk at <paramref name="stoppedAt"/> (that call released already), those after it, which
    /// wait on. No call stays listed to be released twice.
    /// </summary>
    private void Compact(int kept, int stoppedAt)
    {
        for (int next = Math.Min(stoppedAt + 1, _deferred.Count); next < _deferred.Count; next++)
        {
            _deferred[kept++] = _deferred[next];
        }

        _deferred.RemoveRange(kept, _deferred.Count - kept);
    }

    /// <summary>A connection closed, in Poll(): calls it is running see their token cancelled; on a client, pending calls fail and waiting calls are dropped.</summary>
    public void OnClosed(NetConnection connection, DisconnectInfo info)
    {
        _endpoint.ReportFault(connection.RpcPeer?.Close());
        if (_isServer)
        {
            return;
        }

        foreach (Deferred waiting in _deferred)
        {
            Release(waiting);
        }

        _deferred.Clear();
        FailAll($"the connection closed ({info.Reason}: {info.Message})");
    }

    /// <summary>Fails every pending call at once with <see cref="RpcException"/>, and every call begun afterwards (the client is done).</summary>
    public void FailAll(string why)
    {
        List<PendingCall> failed;
        lock (_gate)
        {
            _ended ??= why; // and every call begun from now on: a client's runtime ends with its only connection
            if (_pending.Count == 0)
            {
                return;
            }

            failed = new List<PendingCall>(_pending.Values);
            _pending.Clear();
            _deadlines.Clear();
        }

        foreach (PendingCall pending in failed)
        {
            pending.Fail(new RpcException($"{pending.Info.Name} got no answer: {why}."));
        }
    }

    /// <summary>
    /// A call on an entity not yet published, serialized once and sent to each client Publish() spawns it on: every one
    /// for an Observers call, the owner alone for an Owner call queued behind Observers calls.
    /// </summary>
    private sealed class SpawnCall(RpcRuntime runtime, byte[] record, RpcInfo info, NetConnection? only) : ISpawnCall
    {
        public void SendTo(NetConnection connection)
        {
            if (only is null || only == connection)
            {
                connection.SendRecord(runtime.Table.RpcCallIndex, new RpcRawRecord(record), info.Delivery, info.Channel);
            }
        }
    }

    private readonly record struct Deferred(NetConnection From, int Rpc, byte[] Body, int Length, long Deadline);

    private sealed class CallHandler(RpcRuntime runtime) : HandlerEntry
    {
        public override void Invoke(NetConnection from, ReadOnlySpan<byte> body, NetLimits limits) => runtime.OnCall(from, body, limits);
    }

    private sealed class AnswerHandler(RpcRuntime runtime) : HandlerEntry
    {
        public override void Invoke(NetConnection from, ReadOnlySpan<byte> body, NetLimits limits) => runtime.OnAnswer(from, body, limits);
    }

    /// <summary>The RPC index of a call type in the table it was last looked up in.</summary>
    private static class RpcIndex<TCall>
    {
        public static Slot? Cached;

        public sealed record Slot(MessageTable Table, int Index);
    }
}
