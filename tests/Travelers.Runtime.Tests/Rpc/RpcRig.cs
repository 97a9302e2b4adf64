using System.Numerics;
using Travelers.Messaging;
using Travelers.Runtime.Tests.Replication;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>What the RPC tests share: a world with a gunner per client, raw records for bad input.</summary>
internal static class RpcRig
{
    /// <summary>Spawns a gunner owned by <paramref name="client"/> at <paramref name="position"/> and waits until the client has it.</summary>
    public static async Task<(Gunner Server, Gunner Client)> SpawnAsync(ReplicationRig rig, NetClient client, Vector3 position = default)
    {
        Gunner gunner = rig.World.Spawn(new Gunner { Position = position }, owner: rig.ConnectionOf(client));
        rig.ConnectionOf(client).ViewPosition = position;
        Gunner? copy = null;
        await rig.Until(() => (copy = client.World.Entities.OfType<Gunner>().SingleOrDefault(e => e.Id == gunner.Id)) is not null);
        return (gunner, copy!);
    }

    /// <summary>
    /// Connects a client, spawns its gunner and starts a <c>Slow</c> call on it; returns once the server runs the call
    /// (its token is the server gunner's <c>SlowToken</c>).
    /// </summary>
    public static async Task<(NetClient Client, Gunner Server, Task<string> Slow)> SlowCallAsync(ReplicationRig rig)
    {
        NetClient client = await rig.ConnectAsync();
        (Gunner server, Gunner mine) = await SpawnAsync(rig, client);
        Task<string> slow = mine.Server.Slow(1).AsTask();
        await rig.Until(() => server.SlowToken.CanBeCanceled);
        return (client, server, slow);
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes; returns it to be awaited.</summary>
    public static async Task<T> Await<T>(ReplicationRig rig, ValueTask<T> task)
    {
        Task<T> t = task.AsTask();
        await rig.Until(() => t.IsCompleted);
        return await t;
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes.</summary>
    public static async Task Await(ReplicationRig rig, ValueTask task)
    {
        Task t = task.AsTask();
        await rig.Until(() => t.IsCompleted);
        await t;
    }

    /// <summary>The index of an RPC named "Type.Method" in this process's table.</summary>
    public static int IndexOf(string name) => MessageTable.Current().RpcIndexOf(NetMessageRegistry.Rpcs.Single(r => r.Info.Name == name).Id);

    /// <summary>A call record's body: header, then raw argument bytes.</summary>
    public static byte[] Call(int rpc, uint call, uint target, params byte[] arguments)
    {
        // As RpcWire writes it: the index shifted by two with a flag for each part that follows.
        var bytes = new List<byte>();
        VarInt(bytes, ((uint)rpc << 2) | (call != 0 ? 2u : 0u) | (target != 0 ? 1u : 0u));
        if (call != 0)
        {
            VarInt(bytes, call);
        }

        if (target != 0)
        {
            VarInt(bytes, (uint)new NetId(target).Slot);
            VarInt(bytes, (uint)new NetId(target).Generation);
        }

        bytes.AddRange(arguments);
        return bytes.ToArray();
    }

    /// <summary>Sends <paramref name="body"/> as a record of type <paramref name="index"/> on <paramref name="connection"/>.</summary>
    public static void SendRaw(NetConnection connection, int index, byte[] body) =>
        connection.SendRecord(index, new RawRecord(body), Delivery.ReliableOrdered, 0);

    private static void VarInt(List<byte> bytes, uint value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
    }

    /// <summary>Bytes written as they are: records no generated code would write.</summary>
    private readonly struct RawRecord(byte[] bytes) : INetMessage<RawRecord>
    {
        private readonly byte[] _bytes = bytes;

        static ulong INetMessage<RawRecord>.MessageId => 0;

        static string INetMessage<RawRecord>.MessageSchema => "raw";

        static void INetMessage<RawRecord>.Serialize(ref NetWriter writer, in RawRecord value) => writer.WriteRaw(value._bytes);

        static RawRecord INetMessage<RawRecord>.Deserialize(ref NetReader reader) => throw new NotSupportedException();
    }
}

/// <summary>Reaches the runtime behind a client in tests.</summary>
internal static class RpcTestExtensions
{
    public static Travelers.Rpc.RpcRuntime Rpc(this NetClient client) => client.Connection.Endpoint.Rpc;
}
