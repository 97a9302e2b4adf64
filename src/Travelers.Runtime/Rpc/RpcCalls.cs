using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Travelers.Rpc;

namespace Travelers;

/// <summary>
/// The entry points of generated RPC proxies and dispatchers. Game code calls the proxies
/// (<c>entity.Server.Fire(aim)</c>, <c>client.Service&lt;Lobby&gt;().Server.Join("ann")</c>), not these.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RpcCalls
{
    /// <summary>Sends a fire-and-forget call on <paramref name="entity"/>: to the server, the owner or the observers, as the RPC's target says.</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <param name="entity">The entity.</param>
    /// <param name="call">The arguments.</param>
    /// <exception cref="InvalidOperationException">The entity is not spawned, or the call goes the wrong way (a Server RPC called on the server, an Owner or Observers RPC on a client).</exception>
    public static void Send<TCall>(NetEntity entity, in TCall call)
        where TCall : struct, IRpcCall<TCall> => RuntimeOf<TCall>(entity).Send(entity, in call);

    /// <summary>Sends a fire-and-forget call on <paramref name="service"/>.</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <param name="service">The service.</param>
    /// <param name="call">The arguments.</param>
    public static void Send<TCall>(NetService service, in TCall call)
        where TCall : struct, IRpcCall<TCall> => RuntimeOf(service).Send(null, in call);

    /// <summary>Sends a call on <paramref name="entity"/> and completes when the server has run it.</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <param name="entity">The entity.</param>
    /// <param name="call">The arguments.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that fails with <see cref="RpcException"/>, <see cref="TimeoutException"/> or <see cref="OperationCanceledException"/>.</returns>
    public static ValueTask Request<TCall>(NetEntity entity, in TCall call, CancellationToken cancellationToken)
        where TCall : struct, IRpcCall<TCall> => RuntimeOf<TCall>(entity).Request(entity, in call, cancellationToken);

    /// <summary>Sends a call on <paramref name="service"/> and completes when the server has run it.</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <param name="service">The service.</param>
    /// <param name="call">The arguments.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that fails with <see cref="RpcException"/>, <see cref="TimeoutException"/> or <see cref="OperationCanceledException"/>.</returns>
    public static ValueTask Request<TCall>(NetService service, in TCall call, CancellationToken cancellationToken)
        where TCall : struct, IRpcCall<TCall> => RuntimeOf(service).Request(null, in call, cancellationToken);

    /// <summary>Sends a call on <paramref name="entity"/> and completes with the server's answer.</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <typeparam name="TResult">The value returned.</typeparam>
    /// <param name="entity">The entity.</param>
    /// <param name="call">The arguments.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The value; fails with <see cref="RpcException"/>, <see cref="TimeoutException"/> or <see cref="OperationCanceledException"/>.</returns>
    public static ValueTask<TResult> Request<TCall, TResult>(NetEntity entity, in TCall call, CancellationToken cancellationToken)
        where TCall : struct, IRpcRequest<TCall, TResult> => RuntimeOf<TCall>(entity).Request<TCall, TResult>(entity, in call, cancellationToken);

    /// <summary>Sends a call on <paramref name="service"/> and completes with the server's answer.</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <typeparam name="TResult">The value returned.</typeparam>
    /// <param name="service">The service.</param>
    /// <param name="call">The arguments.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The value; fails with <see cref="RpcException"/>, <see cref="TimeoutException"/> or <see cref="OperationCanceledException"/>.</returns>
    public static ValueTask<TResult> Request<TCall, TResult>(NetService service, in TCall call, CancellationToken cancellationToken)
        where TCall : struct, IRpcRequest<TCall, TResult> => RuntimeOf(service).Request<TCall, TResult>(null, in call, cancellationToken);

    /// <summary>Answers the call in <paramref name="context"/> when <paramref name="task"/> completes (the server's side of a <c>ValueTask</c> RPC).</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <param name="context">The call.</param>
    /// <param name="task">What the method returned.</param>
    public static void Complete<TCall>(in RpcContext context, ValueTask task)
        where TCall : struct, IRpcCall<TCall> => RuntimeOf(context).Complete<TCall>(in context, task);

    /// <summary>Answers the call in <paramref name="context"/> with the value of <paramref name="task"/> (the server's side of a <c>ValueTask&lt;T&gt;</c> RPC).</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <typeparam name="TResult">The value returned.</typeparam>
    /// <param name="context">The call.</param>
    /// <param name="task">What the method returned.</param>
    public static void Complete<TCall, TResult>(in RpcContext context, ValueTask<TResult> task)
        where TCall : struct, IRpcRequest<TCall, TResult> => RuntimeOf(context).Complete<TCall, TResult>(in context, task);

    /// <summary>Writes a generated message struct (an RPC's result) into <paramref name="writer"/>.</summary>
    /// <typeparam name="T">The struct.</typeparam>
    /// <param name="writer">Where it goes.</param>
    /// <param name="value">The value.</param>
    public static void Write<T>(ref NetWriter writer, in T value)
        where T : INetMessage<T> => T.Serialize(ref writer, in value);

    /// <summary>Reads a generated message struct (an RPC's result) from <paramref name="reader"/>.</summary>
    /// <typeparam name="T">The struct.</typeparam>
    /// <param name="reader">Where it comes from.</param>
    /// <returns>The value.</returns>
    public static T Read<T>(ref NetReader reader)
        where T : INetMessage<T> => T.Deserialize(ref reader);

    private static RpcRuntime RuntimeOf<TCall>(NetEntity entity)
        where TCall : struct, IRpcCall<TCall>
    {
        ArgumentNullException.ThrowIfNull(entity);
        return entity.World is { } world ? world.Rpc : ThrowNotSpawned(TCall.Info, entity);
    }

    // Out of line, so that RuntimeOf inlines into every proxy call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RpcRuntime ThrowNotSpawned(RpcInfo info, NetEntity entity) =>
        throw new InvalidOperationException($"{info.Name} cannot be called on {entity}: it is not spawned (or was despawned).");

    private static RpcRuntime RuntimeOf(NetService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.RequireEndpoint().Rpc;
    }

    private static RpcRuntime RuntimeOf(in RpcContext context) =>
        (context.Caller ?? throw new InvalidOperationException("This RpcContext has no caller: only calls the runtime runs can answer.")).Endpoint.Rpc;
}
