namespace Travelers;

/// <summary>
/// Implemented by the generator for the arguments of each <see cref="RpcAttribute">[Rpc]</see> method: a struct
/// serialized like a message (its <see cref="INetMessage{TSelf}.MessageId"/> is the RPC's stable id, a hash of
/// the type, the method and its parameter types) that knows how to run the method. User code calls the
/// generated proxies instead.
/// </summary>
/// <typeparam name="TSelf">The call struct.</typeparam>
public interface IRpcCall<TSelf> : INetMessage<TSelf>
    where TSelf : struct, IRpcCall<TSelf>
{
    /// <summary>The method's settings.</summary>
    static abstract RpcInfo Info { get; }

    /// <summary>Runs the method on <paramref name="target"/> (the entity or service) with the call's arguments.</summary>
    /// <param name="target">An instance of <see cref="RpcInfo.DeclaringType"/>.</param>
    /// <param name="call">The arguments.</param>
    /// <param name="context">Who called; requests answer through it (<see cref="RpcCalls.Complete(in RpcContext, System.Threading.Tasks.ValueTask)"/>).</param>
    static abstract void Invoke(object target, ref TSelf call, in RpcContext context);
}

/// <summary>Implemented by the generator for the call struct of a method returning <c>ValueTask&lt;TResult&gt;</c>: how the answer travels.</summary>
/// <typeparam name="TSelf">The call struct.</typeparam>
/// <typeparam name="TResult">The value returned.</typeparam>
public interface IRpcRequest<TSelf, TResult> : IRpcCall<TSelf>
    where TSelf : struct, IRpcRequest<TSelf, TResult>
{
    /// <summary>Writes an answer.</summary>
    /// <param name="writer">Where it goes.</param>
    /// <param name="value">The value.</param>
    static abstract void WriteResult(ref NetWriter writer, in TResult value);

    /// <summary>Reads an answer; throws <see cref="NetSerializationException"/> on bad input.</summary>
    /// <param name="reader">Where it comes from.</param>
    /// <returns>The value.</returns>
    static abstract TResult ReadResult(ref NetReader reader);
}
