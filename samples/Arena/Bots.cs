using System.Net;
using System.Numerics;
using Travelers;

namespace Arena;

/// <summary>
/// Simulated players: each is a real <see cref="NetClient"/> on a real socket. 30 times a second each bot reads
/// the players its client's world holds, steers (towards the nearest other player while healthy, away from it
/// when hurt, wandering when it sees nobody) and sends its stick. All bots share one thread.
/// </summary>
public sealed class Bots : IAsyncDisposable
{
    private readonly List<Bot> _bots = new();
    private readonly Random _random = new(2);
    private Figures.Sample? _latest;

    /// <summary>The bots' side of the figures, as of the last full second (taken on the bots' thread).</summary>
    public Figures.Sample? Take() => Volatile.Read(ref _latest);

    /// <summary>Sums the bots' connections and worlds now: on the bots' thread, or after it stopped.</summary>
    public Figures.Sample Totals()
    {
        long messagesIn = 0, messagesOut = 0, bytesIn = 0, bytesOut = 0, packetsIn = 0, packetsOut = 0, entities = 0, snapshotBytes = 0, parts = 0, hits = 0;
        double delayMs = 0;
        var rtts = new List<double>(_bots.Count);
        int connected = 0;
        foreach (Bot bot in _bots)
        {
            NetConnection connection = bot.Client.Connection;
            ConnectionStatistics s = connection.Statistics;
            messagesIn += s.MessagesReceived;
            messagesOut += s.MessagesSent;
            bytesIn += s.BytesReceived;
            bytesOut += s.BytesSent;
            packetsIn += s.PacketsReceived;
            packetsOut += s.PacketsSent;
            NetWorldStatistics world = bot.Client.World.Statistics;
            entities += world.Entities;
            snapshotBytes += world.BytesReceived;
            parts += world.PartsReceived;
            delayMs += world.InterpolationDelay.TotalMilliseconds;
            connected += connection.IsConnected ? 1 : 0;
            hits += bot.HitsTaken;
            if (connection.Rtt > TimeSpan.Zero)
            {
                rtts.Add(connection.Rtt.TotalMilliseconds);
            }
        }

        rtts.Sort();
        return new Figures.Sample
        {
            Clients = connected,
            MessagesIn = messagesIn,
            MessagesOut = messagesOut,
            BytesIn = bytesIn,
            BytesOut = bytesOut,
            PacketsIn = packetsIn,
            PacketsOut = packetsOut,
            RttP50Ms = Figures.Percentile(rtts, 0.50),
            RttP99Ms = Figures.Percentile(rtts, 0.99),
            Entities = entities,
            SnapshotBytes = snapshotBytes,
            SnapshotParts = parts,
            InterpolationDelayMs = _bots.Count == 0 ? 0 : delayMs / _bots.Count,
            Hits = hits,
        };
    }

    /// <summary>Connects <paramref name="count"/> bots, <paramref name="parallel"/> at a time.</summary>
    /// <param name="server">The server.</param>
    /// <param name="count">How many bots.</param>
    /// <param name="transport">UDP or TCP.</param>
    /// <param name="latency">A simulated one-way latency on each bot's traffic, both ways (zero: none).</param>
    /// <param name="loss">A simulated loss rate on each bot's datagrams (UDP; a stream does not lose bytes).</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <param name="parallel">Connects in flight at once.</param>
    public async Task ConnectAsync(EndPoint server, int count, NetTransport transport, TimeSpan latency, double loss, CancellationToken cancellationToken, int parallel = 50)
    {
        for (int start = 0; start < count; start += parallel)
        {
            var batch = new List<Task<Bot>>();
            for (int i = start; i < Math.Min(count, start + parallel); i++)
            {
                // Each bot its own seed: their losses are not the same datagrams.
                NetworkConditions? conditions = latency > TimeSpan.Zero || loss > 0
                    ? new NetworkConditions { Latency = latency, Loss = loss, Seed = i }
                    : null;
                batch.Add(ConnectOneAsync(server, transport, conditions, cancellationToken));
            }

            _bots.AddRange(await Task.WhenAll(batch));
        }
    }

    private static async Task<Bot> ConnectOneAsync(EndPoint server, NetTransport transport, NetworkConditions? conditions, CancellationToken cancellationToken)
    {
        var client = new NetClient(new NetClientOptions { Transport = transport, Conditions = conditions });
        await client.ConnectAsync(server, cancellationToken);
        return new Bot(client);
    }

    /// <summary>Plays until <paramref name="stop"/> fires: 30 times a second, every bot reads what arrived, steers and sends its input.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / ArenaRules.InputRate));
        uint tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                tick++;
                foreach (Bot bot in _bots)
                {
                    bot.Client.Poll();
                    if (_random.Next(ArenaRules.InputRate * 2) == 0)
                    {
                        float angle = _random.NextSingle() * MathF.Tau;
                        bot.Wander = new Vector2(MathF.Cos(angle), MathF.Sin(angle));
                    }

                    if (bot.Client.Connection.IsConnected)
                    {
                        bot.Client.Send(new PlayerInput { Tick = tick, Move = Steer(bot) }, Delivery.Unreliable);

                        // About once a second a bot with someone in range fires at them: a server RPC on its player.
                        if (bot.Target is { } aim && _random.Next(ArenaRules.InputRate) == 0)
                        {
                            bot.Self!.Server.Fire(aim);
                        }
                    }
                }

                if (tick % ArenaRules.InputRate == 0)
                {
                    Volatile.Write(ref _latest, Totals());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Where a bot's stick points, from the newest state of the players its world holds.</summary>
    private static Vector2 Steer(Bot bot)
    {
        NetWorld world = bot.Client.World;
        bot.Target = null;
        ArenaPlayer? self = bot.Self;
        if (self is null || self.World != world)
        {
            // Its own player is the one it owns: the server spawns it on connect and it is always in view.
            self = null;
            foreach (NetEntity entity in world.Entities)
            {
                if (entity.IsOwner && entity is ArenaPlayer mine)
                {
                    self = mine;
                    break;
                }
            }

            bot.Replace(self);
            if (self is null)
            {
                return bot.Wander;
            }
        }

        // Hurt below 35: run until healed to 90. The hysteresis keeps a bot from dithering at the threshold.
        bot.Fleeing = bot.Fleeing ? self.Health < 90 : self.Health < 35;

        ArenaPlayer? nearest = null;
        float best = float.MaxValue;
        foreach (NetEntity entity in world.Entities)
        {
            if (entity != self && entity is ArenaPlayer other)
            {
                float distance = Vector2.DistanceSquared(other.Position, self.Position);
                if (distance < best)
                {
                    best = distance;
                    nearest = other;
                }
            }
        }

        bot.Target = nearest is not null && best <= ArenaRules.ShotRange * ArenaRules.ShotRange && best > 0 && !bot.Fleeing
            ? nearest.Position - self.Position
            : null;
        if (nearest is null || best < 1f)
        {
            return bot.Wander; // nobody in view, or already there: wander
        }

        Vector2 towards = Vector2.Normalize(nearest.Position - self.Position);
        return bot.Fleeing ? -towards : towards;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_bots.Select(b => b.Client.DisposeAsync().AsTask()));
    }

    private sealed class Bot(NetClient client)
    {
        public NetClient Client { get; } = client;

        public ArenaPlayer? Self { get; set; }

        public Vector2 Wander { get; set; }

        public bool Fleeing { get; set; }

        /// <summary>Where the nearest player in range is, to fire at; null when none is (or when fleeing).</summary>
        public Vector2? Target { get; set; }

        /// <summary>Hits its player took since it connected, through the Hit RPC (its player may be a new copy after leaving view).</summary>
        public long HitsTaken => _hitsBefore + (Self?.HitsTaken ?? 0);

        private long _hitsBefore;

        /// <summary>Keeps the count of a copy that is replaced.</summary>
        public void Replace(ArenaPlayer? self)
        {
            _hitsBefore += Self?.HitsTaken ?? 0;
            Self = self;
        }
    }
}
