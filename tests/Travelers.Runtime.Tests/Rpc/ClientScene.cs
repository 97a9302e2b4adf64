using Travelers.Messaging;
using Travelers.Runtime.Tests.Replication;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>
/// The arrangement of the tests that send a client RPC records by hand: a rig, one client, the client's refusals
/// counted, and a gunner the client owns and holds.
/// </summary>
internal sealed class ClientScene : IAsyncDisposable
{
    private ClientScene(ReplicationRig rig, NetClient client, RefusalCounter refusals)
    {
        Rig = rig;
        Client = client;
        Refusals = refusals;
    }

    public ReplicationRig Rig { get; }

    public NetClient Client { get; }

    public RefusalCounter Refusals { get; }

    /// <summary>The gunner on the server.</summary>
    public Gunner Server { get; private set; } = null!;

    /// <summary>The client's copy of it.</summary>
    public Gunner Mine { get; private set; } = null!;

    /// <summary>The server's connection to the client: what it sends there, the client reads.</summary>
    public NetConnection ToClient => Rig.ConnectionOf(Client);

    public static async Task<ClientScene> StartAsync(NetTransport transport, Action<NetClientOptions>? configure = null)
    {
        ReplicationRig rig = await ReplicationRig.StartAsync(transport);
        try
        {
            NetClient client = await rig.ConnectAsync(configure);
            var scene = new ClientScene(rig, client, new RefusalCounter(client.Metrics.Meter));
            (scene.Server, scene.Mine) = await RpcRig.SpawnAsync(rig, client);
            return scene;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>The client's refusals of <paramref name="reason"/> so far.</summary>
    public long Refused(string reason) => Refusals.Count(Client.Metrics.Meter, reason);

    /// <summary>Sends the client answer records (their bodies, after the record index), then flushes.</summary>
    public void SendAnswers(params byte[][] bodies) => Send(MessageTable.Current().RpcAnswerIndex, bodies);

    /// <summary>Sends the client call records (their bodies, after the record index), then flushes.</summary>
    public void SendCalls(params byte[][] bodies) => Send(MessageTable.Current().RpcCallIndex, bodies);

    public async ValueTask DisposeAsync()
    {
        Refusals.Dispose();
        await Rig.DisposeAsync();
    }

    private void Send(int index, byte[][] bodies)
    {
        foreach (byte[] body in bodies)
        {
            RpcRig.SendRaw(ToClient, index, body);
        }

        Rig.Server.Flush();
    }
}
