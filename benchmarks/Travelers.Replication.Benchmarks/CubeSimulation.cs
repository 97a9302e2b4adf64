using System.Numerics;

namespace Travelers.Replication.Benchmarks;

/// <summary>
/// The scene of Glenn Fiedler's "Snapshot Compression" (gafferongames.com, 2015), simplified and deterministic:
/// 900 small cubes (1 m) at rest on a 30 x 30 grid 1.5 m apart, and one large player cube (2 m) that rolls along
/// a Lissajous curve at a constant 3.5 m/s (by default). Cubes it touches are pushed away from it and roll; pushed cubes push
/// the cubes they hit (equal masses, a little restitution); friction brings each to rest, when its velocity
/// becomes exactly 0 and <see cref="Cube.Interacting"/> false. Fixed time step, no randomness: every run is the same.
/// </summary>
internal sealed class CubeSimulation
{
    public const int Side = 30;
    public const int SmallCount = Side * Side;
    public const int Count = SmallCount + 1;
    public const float Spacing = 1.5f;
    public const float SmallHalf = 0.5f;
    public const float PlayerHalf = 1.0f;
    public const float DefaultPlayerSpeed = 3.5f;
    public const float DefaultDeceleration = 3f;

    // Contact radii in the ground plane: a little more than the half side, as a cube's corners reach further.
    private const float SmallRadius = 0.55f;
    private const float PlayerRadius = 1.1f;
    private const float RestSpeed = 0.05f;      // below this a cube stops
    private const float Restitution = 0.3f;
    private const float PushFactor = 1.15f;     // a pushed cube leaves a little faster than the player
    private const float CurveX = 18f;
    private const float CurveZ = 18f;

    private readonly Vector3[] _velocity = new Vector3[Count];
    private readonly bool[] _moving = new bool[Count];
    private double _s; // the curve's parameter

    /// <summary>Creates the scene at rest.</summary>
    /// <param name="playerSpeed">The player's speed along its curve, m/s.</param>
    /// <param name="deceleration">Friction: how fast a sliding cube slows down, m/s².</param>
    public CubeSimulation(float playerSpeed = DefaultPlayerSpeed, float deceleration = DefaultDeceleration)
    {
        PlayerSpeed = playerSpeed;
        Deceleration = deceleration;
        Cubes = new Cube[Count];
        float origin = -(Side - 1) * Spacing / 2;
        for (int i = 0; i < SmallCount; i++)
        {
            Cubes[i] = new Cube
            {
                Position = new Vector3(origin + (i % Side) * Spacing, SmallHalf, origin + (i / Side) * Spacing),
                Orientation = Quaternion.Identity,
                Velocity = Vector3.Zero,
                Interacting = false,
            };
        }

        Vector2 start = Curve(0);
        Cubes[Player] = new Cube { Position = new Vector3(start.X, PlayerHalf, start.Y), Orientation = Quaternion.Identity, Interacting = true };
        _moving[Player] = true;
    }

    public float PlayerSpeed { get; }

    public float Deceleration { get; }

    /// <summary>Index of the player cube in <see cref="Cubes"/>.</summary>
    public static int Player => SmallCount;

    public Cube[] Cubes { get; }

    /// <summary>Cubes whose velocity is not zero after the last step, the player included.</summary>
    public int Moving { get; private set; } = 1;

    public void Step(float dt)
    {
        MovePlayer(dt);
        Cube player = Cubes[Player];
        Vector3 playerVelocity = _velocity[Player];

        // The player pushes the small cubes it overlaps out of its way, at a little more than its speed.
        for (int i = 0; i < SmallCount; i++)
        {
            Vector3 d = Flat(Cubes[i].Position - player.Position);
            float distance = d.Length();
            float reach = PlayerRadius + SmallRadius;
            if (distance >= reach)
            {
                continue;
            }

            Vector3 n = distance > 1e-4f ? d / distance : Vector3.UnitX;
            Cubes[i].Position += n * (reach - distance);
            float along = Vector3.Dot(_velocity[i], n);
            float push = Math.Max(Vector3.Dot(playerVelocity, n), 0) * PushFactor;
            if (along < push)
            {
                _velocity[i] += n * (push - along);
            }

            _moving[i] = true;
            Cubes[i].Interacting = true;
        }

        // Moving cubes against every other cube: separate overlaps, exchange the approaching part of the velocity.
        for (int i = 0; i < SmallCount; i++)
        {
            if (!_moving[i])
            {
                continue;
            }

            for (int j = 0; j < SmallCount; j++)
            {
                if (j == i)
                {
                    continue;
                }

                Vector3 d = Flat(Cubes[j].Position - Cubes[i].Position);
                float distanceSquared = d.LengthSquared();
                float reach = 2 * SmallRadius;
                if (distanceSquared >= reach * reach)
                {
                    continue;
                }

                float distance = MathF.Sqrt(distanceSquared);
                Vector3 n = distance > 1e-4f ? d / distance : Vector3.UnitZ;
                Vector3 correction = n * ((reach - distance) / 2);
                Cubes[i].Position -= correction;
                Cubes[j].Position += correction;
                float approaching = Vector3.Dot(_velocity[i] - _velocity[j], n);
                if (approaching > 0)
                {
                    Vector3 impulse = n * (approaching * (1 + Restitution) / 2);
                    _velocity[i] -= impulse;
                    _velocity[j] += impulse;
                    _moving[j] = true;
                }
            }
        }

        // Integrate: slide, roll, and slow down until at rest.
        int moving = 1;
        for (int i = 0; i < SmallCount; i++)
        {
            if (!_moving[i])
            {
                continue;
            }

            Cube cube = Cubes[i];
            Vector3 v = _velocity[i];
            cube.Position += v * dt;
            Roll(cube, v, SmallHalf, dt);
            float speed = v.Length();
            float slower = speed - (Deceleration * dt);
            if (slower < RestSpeed)
            {
                _velocity[i] = Vector3.Zero;
                _moving[i] = false;
                cube.Velocity = Vector3.Zero;
                cube.Interacting = false;
                continue;
            }

            _velocity[i] = v * (slower / speed);
            cube.Velocity = _velocity[i];
            moving++;
        }

        Moving = moving;
    }

    private void MovePlayer(float dt)
    {
        // Constant speed along the curve: the parameter advances by distance / |curve'(s)| (never 0 for these frequencies).
        Vector2 derivative = CurveDerivative(_s);
        _s += PlayerSpeed * dt / derivative.Length();
        Vector2 at = Curve(_s);
        Cube player = Cubes[Player];
        var next = new Vector3(at.X, PlayerHalf, at.Y);
        Vector3 v = (next - player.Position) / dt;
        player.Position = next;
        Roll(player, v, PlayerHalf, dt);
        player.Velocity = v;
        _velocity[Player] = v;
    }

    /// <summary>Turns the cube as a ball of radius <paramref name="half"/> rolling at <paramref name="v"/> on the ground: about up × v.</summary>
    private static void Roll(Cube cube, Vector3 v, float half, float dt)
    {
        Vector3 omega = new Vector3(v.Z, 0, -v.X) / half;
        float angle = omega.Length() * dt;
        if (angle > 0)
        {
            Quaternion turn = Quaternion.CreateFromAxisAngle(omega / omega.Length(), angle);
            cube.Orientation = Quaternion.Normalize(turn * cube.Orientation);
        }
    }

    private static Vector3 Flat(Vector3 v) => new(v.X, 0, v.Z);

    private static Vector2 Curve(double s) =>
        new((float)(CurveX * Math.Sin((2 * s) + (Math.PI / 4))), (float)(CurveZ * Math.Sin(3 * s)));

    private static Vector2 CurveDerivative(double s) =>
        new((float)(2 * CurveX * Math.Cos((2 * s) + (Math.PI / 4))), (float)(3 * CurveZ * Math.Cos(3 * s)));
}
