using System.Diagnostics;
using Travelers;
using Travelers.Runtime.Tests.Connections;

namespace Travelers.Runtime.Tests.Replication;

/// <summary>
/// A server and clients on loopback, pumped on the test's thread like a game loop: the server publishes at
/// <see cref="TickRate"/> Hz and everyone polls between ticks, until a condition holds or the bound passes.
/// </summary>
internal sealed class ReplicationRig : IAsyncDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _nextTick;

    private ReplicationRig(NetServer server)
    {
        Server = server;
    }

    public NetServer Server { get; }

    public List<NetClient> Clients { get; } = new();

    public int TickRate { get; set; } = 60;

    /// <summary>Called before each Publish(): the game's simulation step.</summary>
    public Action? Simulate { get; set; }

    public NetWorld World => Server.World;

    public static async Task<ReplicationRig> StartAsync(NetTransport transport, Action<NetServerOptions>? configure = null)
    {
        NetServerOptions options = Loopback.ServerOptions(transport);
        configure?.Invoke(options);
        return new ReplicationRig(await Loopback.StartServerAsync(options));
    }

    public async Task<NetClient> ConnectAsync(Action<NetClientOptions>? configure = null)
    {
        var options = new NetClientOptions { Transport = Server.Options.Transport };
        configure?.Invoke(options);
        NetClient client = await Loopback.ConnectAsync(Server, options);
        Clients.Add(client);
        return client;
    }

    /// <summary>The server connection of <paramref name="client"/>.</summary>
    public NetConnection ConnectionOf(NetClient client) => Server.Connections.Single(c => c.Id == client.Connection.Id);

    /// <summary>Runs the loop until <paramref name="condition"/> holds.</summary>
    public Task Until(Func<bool> condition) => Loopback.Until(condition, Step);

    /// <summary>Runs the loop until <paramref name="problem"/> finds none; fails showing the last one it found.</summary>
    public async Task UntilNone(Func<string?> problem)
    {
        string? last = null;
        try
        {
            await Loopback.Until(() => (last = problem()) is null, Step);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Assert.Fail($"{e.Message} Last: {last}");
        }
    }

    /// <summary>Runs the loop for <paramref name="ticks"/> server ticks.</summary>
    public async Task Ticks(int ticks)
    {
        uint target = World.Tick + (uint)ticks;
        await Until(() => World.Tick >= target);
    }

    private void Step()
    {
        if (_clock.Elapsed >= _nextTick)
        {
            _nextTick = _clock.Elapsed + TimeSpan.FromSeconds(1.0 / TickRate);
            Simulate?.Invoke();
            Server.World.Publish();
        }

        Server.Poll();
        foreach (NetClient client in Clients)
        {
            client.Poll();
        }
    }

    public T Find<T>(NetClient client, NetId id)
        where T : NetEntity => client.World.Entities.OfType<T>().SingleOrDefault(e => e.Id == id)!;

    public async ValueTask DisposeAsync()
    {
        foreach (NetClient client in Clients)
        {
            await client.DisposeAsync();
        }

        await Server.DisposeAsync();
    }
}
