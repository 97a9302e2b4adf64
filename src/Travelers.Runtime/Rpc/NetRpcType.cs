using System;
using Travelers.Rpc;

namespace Travelers;

/// <summary>
/// One registered <see cref="RpcAttribute">[Rpc]</see> method: its stable id, settings and schema, and the code
/// that reads and runs a call without knowing its type statically. Registered by generated code
/// (<see cref="NetMessageRegistry.RegisterRpc{TCall}"/>).
/// </summary>
public abstract class NetRpcType
{
    private protected NetRpcType(ulong id, Type callType, RpcInfo info, string schema)
    {
        Id = id;
        CallType = callType;
        Info = info;
        Schema = schema;
    }

    /// <summary>The 64-bit stable id: a hash of the declaring type, the method and its parameter types.</summary>
    public ulong Id { get; }

    /// <summary>The generated call struct.</summary>
    public Type CallType { get; }

    /// <summary>The method's settings.</summary>
    public RpcInfo Info { get; }

    /// <summary>"Type.Method", as a protocol mismatch names it.</summary>
    public string Name => Info.DeclaringType.FullName!.Replace('+', '.') + "." + Info.Method;

    /// <summary>The schema hashed into the protocol fingerprint: the arguments' schema and the settings.</summary>
    public string Schema { get; }

    /// <summary>Creates the entry for <typeparamref name="TCall"/>.</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <returns>The entry.</returns>
    public static NetRpcType Create<TCall>()
        where TCall : struct, IRpcCall<TCall> => new Typed<TCall>();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (0x{Id:X16})";

    /// <summary>Checks a call of this RPC and runs it, or refuses it (counted, logged, answered), in Poll().</summary>
    internal abstract void Dispatch(RpcRuntime runtime, NetConnection from, RpcCallHeader header, ReadOnlySpan<byte> body, NetLimits limits);

    private sealed class Typed<TCall> : NetRpcType
        where TCall : struct, IRpcCall<TCall>
    {
        public Typed()
            : base(TCall.MessageId, typeof(TCall), TCall.Info, TCall.MessageSchema + " " + TCall.Info.Settings)
        {
        }

        internal override void Dispatch(RpcRuntime runtime, NetConnection from, RpcCallHeader header, ReadOnlySpan<byte> body, NetLimits limits) =>
            runtime.Dispatch<TCall>(from, header, body, limits);
    }
}
