using System.Diagnostics;
using System.Numerics;
using Travelers;

namespace Arena;

/// <summary>
/// The authoritative server: each connection gets an <see cref="ArenaPlayer"/> in the server's world, owned by it.
/// At 30 Hz the server applies the latest input of each player, moves it and works out its health; on two ticks
/// of every three (20 Hz) it publishes the world, and Travelers sends each client what changed among the players
/// it sees. Runs on one thread of its own.
/// </summary>
public sealed class ArenaServer
{
    private const int Cells = (int)(ArenaRules.Size / ArenaRules.CrowdCell);

    private readonly NetServer _server;
    private readonly Dictionary<NetConnection, ArenaPlayer> _players = new();
    private readonly Random _random = new(1);
    private readonly int[] _crowd = new int[Cells * Cells];
    private long _falls;
    private long _shots;
    private long _hits;
    private long _publishTicks;
    private Figures.Sample? _latest;

    public ArenaServer(NetServer server)
    {
        _server = server;
        server.ConnectionOpened += connection =>
        {
            var player = new ArenaPlayer { Position = RandomPosition(), Health = ArenaRules.MaxHealth, Shot = Shoot };
            _players[connection] = server.World.Spawn(player, owner: connection);
            connection.ViewPosition = new Vector3(player.Position, 0);
        };
        server.ConnectionClosed += (connection, _) =>
        {
            if (_players.Remove(connection, out ArenaPlayer? player))
            {
                server.World.Despawn(player);
            }
        };
        server.On((NetConnection from, in PlayerInput input) =>
        {
            if (_players.TryGetValue(from, out ArenaPlayer? player))
            {
                // Never trust a client: a stick longer than 1 is cut to 1 (and a NaN one is no stick at all).
                Vector2 move = float.IsFinite(input.Move.X) && float.IsFinite(input.Move.Y) ? input.Move : Vector2.Zero;
                player.Move = move.LengthSquared() > 1 ? Vector2.Normalize(move) : move;
            }
        });
    }

    /// <summary>Time spent in the last second's ticks (Poll, simulation and Publish), for the figures.</summary>
    public Figures.TickTimes TickTimes { get; } = new();

    /// <summary>Time spent in the last second's <see cref="NetWorld.Publish"/> calls alone.</summary>
    public Figures.TickTimes PublishTimes { get; } = new();

    /// <summary>The figures of the last full second, published by the server's thread.</summary>
    public Figures.Sample? Latest => Volatile.Read(ref _latest);

    /// <summary>
    /// Runs the game on the calling thread until <paramref name="stop"/> fires: a fixed 30 Hz loop that sleeps
    /// between ticks. A thread of its own rather than an awaited timer: each timer tick woke the runtime's timer
    /// thread and then a pool thread, which spun before sleeping again (a dedicated server's CPU is its cost).
    /// </summary>
    public void Run(CancellationToken stop)
    {
        long period = Stopwatch.Frequency / ArenaRules.TickRate;
        long next = Stopwatch.GetTimestamp() + period;
        float dt = 1f / ArenaRules.TickRate;
        int publishEvery = 0;
        uint tick = 0;
        while (true)
        {
            long wait = next - Stopwatch.GetTimestamp();
            if (wait > 0 && stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency)))
            {
                return; // stopped while waiting
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            // Fixed rate; after a stall longer than a tick, from now on rather than a burst of ticks to catch up.
            next += period;
            if (Stopwatch.GetTimestamp() - next > period)
            {
                next = Stopwatch.GetTimestamp() + period;
            }

            long start = Stopwatch.GetTimestamp();
            _server.Poll();
            Simulate(dt);

            // 20 publishes a second from 30 ticks: on two ticks of every three. Publish sends (flushes) itself.
            publishEvery = (publishEvery + 1) % 3;
            if (publishEvery != 0)
            {
                long publish = Stopwatch.GetTimestamp();
                _server.World.Publish();
                PublishTimes.Add(Stopwatch.GetElapsedTime(publish));
                _publishTicks++;
            }
            else
            {
                _server.Flush();
            }

            TickTimes.Add(Stopwatch.GetElapsedTime(start));
            tick++;
            if (tick % ArenaRules.TickRate == 0)
            {
                Volatile.Write(ref _latest, Figures.Take(_server, TickTimes, PublishTimes, _publishTicks, _falls, _shots, _hits));
            }
        }
    }

    private void Simulate(float dt)
    {
        // Move everyone, and count the players in each crowd cell.
        Array.Clear(_crowd);
        foreach (ArenaPlayer player in _players.Values)
        {
            player.Position = Vector2.Clamp(player.Position + (player.Move * ArenaRules.Speed * dt), Vector2.Zero, new Vector2(ArenaRules.Size));
            (int x, int y) = Cell(player.Position);
            _crowd[(y * Cells) + x]++;
        }

        // A crowd hurts: health drains for each other player in the cells around, and comes back with nobody near.
        // At 0 the player falls and comes back elsewhere, whole, its score back to 0.
        foreach ((NetConnection connection, ArenaPlayer player) in _players)
        {
            int near = Near(player.Position) - 1;
            float health = near > 0
                ? player.Health - (near * ArenaRules.DrainPerSecond * dt)
                : Math.Min(ArenaRules.MaxHealth, player.Health + (ArenaRules.RegenPerSecond * dt));
            player.TicksAlive++;
            if (health <= 0)
            {
                _falls++;
                player.Position = RandomPosition();
                health = ArenaRules.MaxHealth;
                player.TicksAlive = 0;
            }

            // Setting a replicated property marks the entity changed; a value that quantizes to the same step is
            // not sent again, but not setting it at all saves Publish the comparison.
            if (health != player.Health)
            {
                player.Health = health;
            }

            int score = Math.Min(player.TicksAlive / ArenaRules.TickRate, ushort.MaxValue);
            if (score != player.Score)
            {
                player.Score = score;
            }

            // What this client sees is around its player.
            connection.ViewPosition = new Vector3(player.Position, 0);
        }
    }

    /// <summary>
    /// A shot (the Fire RPC, run in Poll()): the nearest other player within <see cref="ArenaRules.ShotRange"/> and the
    /// aim's cone loses <see cref="ArenaRules.ShotDamage"/>, and its owner learns of it through the Hit RPC.
    /// </summary>
    private void Shoot(ArenaPlayer shooter, Vector2 aim)
    {
        _shots++;
        if (!float.IsFinite(aim.X) || !float.IsFinite(aim.Y) || aim == Vector2.Zero)
        {
            return; // never trust a client
        }

        aim = Vector2.Normalize(aim);
        ArenaPlayer? target = null;
        float best = ArenaRules.ShotRange * ArenaRules.ShotRange;
        foreach (ArenaPlayer other in _players.Values)
        {
            Vector2 to = other.Position - shooter.Position;
            float distance = to.LengthSquared();
            if (other != shooter && distance <= best && distance > 0 && Vector2.Dot(to / MathF.Sqrt(distance), aim) >= ArenaRules.ShotCone)
            {
                best = distance;
                target = other;
            }
        }

        if (target is not null)
        {
            _hits++;
            target.Health = Math.Max(0, target.Health - ArenaRules.ShotDamage);
            target.Owner.Hit(ArenaRules.ShotDamage, shooter.Id.Value);
        }
    }

    private int Near(Vector2 position)
    {
        (int cx, int cy) = Cell(position);
        int count = 0;
        for (int y = Math.Max(0, cy - 1); y <= Math.Min(Cells - 1, cy + 1); y++)
        {
            for (int x = Math.Max(0, cx - 1); x <= Math.Min(Cells - 1, cx + 1); x++)
            {
                count += _crowd[(y * Cells) + x];
            }
        }

        return count;
    }

    private static (int X, int Y) Cell(Vector2 p) =>
        (Math.Min(Cells - 1, (int)(p.X / ArenaRules.CrowdCell)), Math.Min(Cells - 1, (int)(p.Y / ArenaRules.CrowdCell)));

    private Vector2 RandomPosition() => new(_random.NextSingle() * ArenaRules.Size, _random.NextSingle() * ArenaRules.Size);
}
