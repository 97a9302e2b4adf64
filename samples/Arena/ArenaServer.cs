using System.Diagnostics;
using System.Numerics;
using Travelers;

namespace Arena;

/// <summary>
/// The authoritative server: it owns every position, applies the latest input of each player at 30 Hz, and
/// sends each client the players within its view radius at 20 Hz. Runs on one thread of its own.
/// </summary>
public sealed class ArenaServer
{
    private readonly NetServer _server;
    private readonly Dictionary<NetConnection, Player> _players = new();
    private readonly Random _random = new(1);
    private readonly Grid _grid = new(ArenaRules.ViewRadius);
    private readonly WorldView _view = new();
    private uint _tick;
    private Figures.Sample? _latest;

    public ArenaServer(NetServer server)
    {
        _server = server;
        server.ConnectionOpened += connection =>
            _players[connection] = new Player(connection.Id, new Vector2(_random.NextSingle() * ArenaRules.Size, _random.NextSingle() * ArenaRules.Size));
        server.ConnectionClosed += (connection, _) => _players.Remove(connection);
        server.On((NetConnection from, in PlayerInput input) =>
        {
            if (_players.TryGetValue(from, out Player? player))
            {
                // Never trust a client: a stick longer than 1 is cut to 1.
                player.Move = input.Move.LengthSquared() > 1 ? Vector2.Normalize(input.Move) : input.Move;
            }
        });
    }

    /// <summary>Time spent in the last second's ticks (Poll, simulation and sends), for the figures.</summary>
    public Figures.TickTimes TickTimes { get; } = new();

    /// <summary>The figures of the last full second, published by the server's thread.</summary>
    public Figures.Sample? Latest => Volatile.Read(ref _latest);

    /// <summary>Runs the game until <paramref name="stop"/> fires.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / ArenaRules.TickRate));
        float dt = 1f / ArenaRules.TickRate;
        int viewEvery = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                long start = Stopwatch.GetTimestamp();
                _server.Poll();
                Simulate(dt);

                // 20 views a second from 30 ticks: on two ticks of every three.
                viewEvery = (viewEvery + 1) % 3;
                if (viewEvery != 0)
                {
                    SendViews();
                }

                _server.Flush();
                TickTimes.Add(Stopwatch.GetElapsedTime(start));
                _tick++;
                if (_tick % ArenaRules.TickRate == 0)
                {
                    Volatile.Write(ref _latest, Figures.Take(_server, TickTimes));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Simulate(float dt)
    {
        _grid.Clear();
        foreach (Player player in _players.Values)
        {
            player.Position = Vector2.Clamp(player.Position + (player.Move * ArenaRules.Speed * dt), Vector2.Zero, new Vector2(ArenaRules.Size));
            _grid.Add(player);
        }
    }

    private void SendViews()
    {
        foreach ((NetConnection connection, Player player) in _players)
        {
            _view.Tick = _tick;
            _view.You = player.Position;
            _view.Nearby.Clear();
            _grid.Near(player.Position, ArenaRules.ViewRadius, ArenaRules.MaxVisible, player, _view.Nearby);
            connection.Send(_view, Delivery.Unreliable);
        }
    }

    /// <summary>A player as the server keeps it.</summary>
    private sealed class Player(long id, Vector2 position)
    {
        public long Id { get; } = id;

        public Vector2 Position { get; set; } = position;

        public Vector2 Move { get; set; }

        public PlayerState State => new() { Id = Id, Position = Position };
    }

    /// <summary>Players bucketed by cells as wide as the view radius: a view looks at 9 cells, not at everyone.</summary>
    private sealed class Grid(float cell)
    {
        private readonly Dictionary<(int, int), List<Player>> _cells = new();
        private readonly Stack<List<Player>> _spare = new();

        public void Clear()
        {
            foreach (List<Player> list in _cells.Values)
            {
                list.Clear();
                _spare.Push(list);
            }

            _cells.Clear();
        }

        public void Add(Player player)
        {
            (int, int) key = Key(player.Position);
            if (!_cells.TryGetValue(key, out List<Player>? list))
            {
                list = _spare.Count > 0 ? _spare.Pop() : new List<Player>();
                _cells[key] = list;
            }

            list.Add(player);
        }

        public void Near(Vector2 at, float radius, int max, Player self, List<PlayerState> into)
        {
            (int cx, int cy) = Key(at);
            for (int x = cx - 1; x <= cx + 1; x++)
            {
                for (int y = cy - 1; y <= cy + 1; y++)
                {
                    if (!_cells.TryGetValue((x, y), out List<Player>? list))
                    {
                        continue;
                    }

                    foreach (Player other in list)
                    {
                        if (other != self && Vector2.DistanceSquared(other.Position, at) <= radius * radius)
                        {
                            into.Add(other.State);
                            if (into.Count == max)
                            {
                                return;
                            }
                        }
                    }
                }
            }
        }

        private (int, int) Key(Vector2 p) => ((int)(p.X / cell), (int)(p.Y / cell));
    }
}
