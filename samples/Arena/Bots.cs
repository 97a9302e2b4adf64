using System.Net;
using System.Numerics;
using Travelers;

namespace Arena;

/// <summary>
/// Simulated players: each is a real <see cref="NetClient"/> on a real socket that wanders the arena,
/// sending its input at 30 Hz and reading the views the server sends back. All bots share one thread.
/// </summary>
public sealed class Bots : IAsyncDisposable
{
    private readonly List<Bot> _bots = new();
    private readonly Random _random = new(2);
    private long _views;

    /// <summary>Views received by all bots so far (read on the bots' thread or after it stopped).</summary>
    public long Views => _views;

    /// <summary>The bots' side of the figures: their connections summed (thread-safe reads).</summary>
    public Figures.Sample Take()
    {
        long messagesIn = 0, messagesOut = 0, bytesIn = 0, bytesOut = 0;
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
            connected += connection.IsConnected ? 1 : 0;
            if (connection.Rtt > TimeSpan.Zero)
            {
                rtts.Add(connection.Rtt.TotalMilliseconds);
            }
        }

        rtts.Sort();
        return new Figures.Sample(DateTime.UtcNow, connected, messagesIn, messagesOut, bytesIn, bytesOut,
            Figures.Percentile(rtts, 0.50), Figures.Percentile(rtts, 0.99), 0, 0);
    }

    /// <summary>Connects <paramref name="count"/> bots, <paramref name="parallel"/> at a time.</summary>
    public async Task ConnectAsync(EndPoint server, int count, NetTransport transport, CancellationToken cancellationToken, int parallel = 50)
    {
        for (int start = 0; start < count; start += parallel)
        {
            var batch = new List<Task<Bot>>();
            for (int i = start; i < Math.Min(count, start + parallel); i++)
            {
                batch.Add(ConnectOneAsync(server, transport, cancellationToken));
            }

            _bots.AddRange(await Task.WhenAll(batch));
        }
    }

    private async Task<Bot> ConnectOneAsync(EndPoint server, NetTransport transport, CancellationToken cancellationToken)
    {
        var client = new NetClient(new NetClientOptions { Transport = transport });
        client.On((NetConnection _, in WorldView view) => _views++);
        await client.ConnectAsync(server, cancellationToken);
        return new Bot(client);
    }

    /// <summary>Plays until <paramref name="stop"/> fires: 30 times a second, every bot reads what arrived and sends its input.</summary>
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
                    if (_random.Next(ArenaRules.InputRate * 2) == 0)
                    {
                        float angle = _random.NextSingle() * MathF.Tau;
                        bot.Direction = new Vector2(MathF.Cos(angle), MathF.Sin(angle));
                    }

                    if (bot.Client.Connection.IsConnected)
                    {
                        bot.Client.Send(new PlayerInput { Tick = tick, Move = bot.Direction }, Delivery.Unreliable);
                    }

                    bot.Client.Poll();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_bots.Select(b => b.Client.DisposeAsync().AsTask()));
    }

    private sealed class Bot(NetClient client)
    {
        public NetClient Client { get; } = client;

        public Vector2 Direction { get; set; }
    }
}
