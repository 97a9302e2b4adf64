using System.Diagnostics;
using System.Numerics;
using Travelers;

namespace Travelers.Replication.Benchmarks;

/// <summary>
/// <c>--cubes [seconds]</c>: the bandwidth of the "Snapshot Compression" scene (<see cref="CubeSimulation"/>), sent at
/// 60 Hz in real time to one client over UDP loopback, and the error of what the client holds.
/// </summary>
internal static class CubeScene
{
    public const int TickRate = 60;
    public const int BudgetBytesPerSecond = 4 * 1024 * 1024;

    /// <summary>Bits of one cube uncompressed, as the article counts them: position 3 floats, orientation 4, linear velocity 3, interacting 1 bit.</summary>
    public const int UncompressedBitsPerCube = 96 + 128 + 96 + 1;

    /// <summary>The article's bandwidth target.</summary>
    public const double TargetKbps = 256;

    private const int Ring = 256; // ticks of server states kept to compare with
    private const int SnapshotHeaderBytes = 12; // tick, server time, part index, flags (SnapshotFormat)

    public static int Run(double seconds, int? snapshotHistory = null, float playerSpeed = CubeSimulation.DefaultPlayerSpeed, float deceleration = CubeSimulation.DefaultDeceleration)
    {
        NetServer server = Rig.StartServerAsync(BudgetBytesPerSecond, snapshotHistory).GetAwaiter().GetResult();
        NetClient client = Rig.Connect(server, 1)[0];
        NetConnection connection = Rig.ConnectionOf(server, client);
        var simulation = new CubeSimulation(playerSpeed, deceleration);
        var index = new Dictionary<NetId, int>(CubeSimulation.Count);
        for (int i = 0; i < CubeSimulation.Count; i++)
        {
            server.World.Spawn(simulation.Cubes[i]);
            index[simulation.Cubes[i].Id] = i;
        }

        var clock = new TickClock(TickRate);
        void PollBoth()
        {
            server.Poll();
            client.Poll();
        }

        // The spawns (all 901 at rest), then half a second more for the baselines to settle: not measured.
        long spawnStarted = Stopwatch.GetTimestamp();
        if (!Rig.Until(() => client.World.Entities.Count == CubeSimulation.Count, TimeSpan.FromSeconds(30), () => { clock.Wait(PollBoth); server.World.Publish(); }))
        {
            throw new InvalidOperationException($"The client holds {client.World.Entities.Count} of {CubeSimulation.Count} cubes after 30 s.");
        }

        long spawnBytes = server.World.Statistics.BytesSent;
        double spawnSeconds = Stopwatch.GetElapsedTime(spawnStarted).TotalSeconds;
        for (int i = 0; i < TickRate / 2; i++)
        {
            clock.Wait(PollBoth);
            server.World.Publish();
        }

        // Measured: the simulation runs from its start, one fixed step per tick.
        var positions = new Vector3[Ring, CubeSimulation.Count];
        var orientations = new Quaternion[Ring, CubeSimulation.Count];
        var ringTicks = new uint[Ring];
        int ticks = (int)Math.Round(seconds * TickRate);
        var tickBytes = new long[ticks];
        var tickParts = new int[ticks];
        var tickMoving = new int[ticks];
        const float dt = 1f / TickRate;
        NetWorldStatistics world0 = server.World.Statistics;
        ConnectionStatistics wire0 = connection.Statistics;
        ConnectionStatistics up0 = client.Connection.Statistics;
        NetWorldStatistics client0 = client.World.Statistics;
        var error = new ErrorStats();
        int late = clock.Late;
        double started = clock.Elapsed.TotalSeconds;
        Rig.Until(() => client.World.Statistics.PartsReceived >= server.World.Statistics.PartsSent, TimeSpan.FromMilliseconds(100), PollBoth);
        long receivedOffset = server.World.Statistics.PartsSent - client.World.Statistics.PartsReceived;
        long partsBefore = server.World.Statistics.PartsSent;
        for (int t = 0; t < ticks; t++)
        {
            clock.Wait(PollBoth);
            simulation.Step(dt);
            server.World.Publish();
            uint tick = server.World.Tick;
            int slot = (int)(tick % Ring);
            ringTicks[slot] = tick;
            for (int i = 0; i < CubeSimulation.Count; i++)
            {
                positions[slot, i] = simulation.Cubes[i].Position;
                orientations[slot, i] = simulation.Cubes[i].Orientation;
            }

            NetWorldStatistics now = server.World.Statistics;
            tickBytes[t] = now.LastPublishBytes;
            tickParts[t] = (int)(now.PartsSent - partsBefore);
            tickMoving[t] = simulation.Moving;
            partsBefore = now.PartsSent;

            // Every tick: wait (at most 5 ms) until the client has this tick and every part sent so far, then compare
            // each of its cubes with the server's cube at the client's newest tick. A part lost on loopback skips the
            // sample (and is not waited for again).
            bool arrived = Rig.Until(
                () => client.World.Tick == tick && client.World.Statistics.PartsReceived + receivedOffset >= server.World.Statistics.PartsSent,
                TimeSpan.FromMilliseconds(5),
                PollBoth);
            if (!arrived)
            {
                if (Environment.GetEnvironmentVariable("CUBES_TRACE") is not null)
                {
                    Console.WriteLine($"tick {tick}: skipped, client at tick {client.World.Tick}, parts received {client.World.Statistics.PartsReceived} + {receivedOffset} of {server.World.Statistics.PartsSent} sent (this tick {tickParts[t]} parts, {tickBytes[t]} B)");
                }

                error.Skipped++;
                receivedOffset = server.World.Statistics.PartsSent - client.World.Statistics.PartsReceived;
                continue;
            }

            uint clientTick = client.World.Tick;
            int at = (int)(clientTick % Ring);
            if (ringTicks[at] != clientTick)
            {
                error.Skipped++;
                continue;
            }

            foreach (NetEntity entity in client.World.Entities)
            {
                var cube = (Cube)entity;
                int i = index[cube.Id];
                error.Add(cube.Position - positions[at, i], cube.Orientation, orientations[at, i]);

                // What the client should hold exactly: the server's values through the same quantization.
                bool positionExact = cube.Position == Canonical(positions[at, i]);
                bool orientationExact = cube.Orientation == Quantization.RoundTripQuaternion(orientations[at, i], 9);
                error.AddExact(positionExact, orientationExact);
                if ((!positionExact || !orientationExact) && Environment.GetEnvironmentVariable("CUBES_TRACE") is not null)
                {
                    Quaternion expected = Quantization.RoundTripQuaternion(orientations[at, i], 9);
                    Console.WriteLine($"tick {tick} cube {i}: position {cube.Position} vs {Canonical(positions[at, i])}, orientation {cube.Orientation} vs {expected} ({Angle(cube.Orientation, expected):N4} deg)");
                }
            }

            error.Samples++;
        }

        double wall = clock.Elapsed.TotalSeconds - started;
        late = clock.Late - late;
        NetWorldStatistics world = server.World.Statistics;
        ConnectionStatistics wire = connection.Statistics;
        ConnectionStatistics up = client.Connection.Statistics;
        NetWorldStatistics client1 = client.World.Statistics;
        double simSeconds = ticks / (double)TickRate;

        long payloadBytes = world.BytesSent - world0.BytesSent;
        long parts = world.PartsSent - world0.PartsSent;
        long wireBytes = wire.BytesSent - wire0.BytesSent;
        long packets = wire.PacketsSent - wire0.PacketsSent;
        long upBytes = up.BytesSent - up0.BytesSent;
        long upPackets = up.PacketsSent - up0.PacketsSent;
        double meanMoving = tickMoving.Average();
        double uncompressedKbps = CubeSimulation.Count * (double)UncompressedBitsPerCube * TickRate / 1000;
        double payloadKbps = Kbps(payloadBytes);
        double wireKbps = Kbps(wireBytes);
        double wireIpKbps = Kbps(wireBytes + (packets * Rig.IpUdpHeaderBytes));
        int history = snapshotHistory ?? new NetWorldOptions().SnapshotHistory;

        Console.WriteLine($"Cubes: {CubeSimulation.Count} cubes (900 small on a {CubeSimulation.Side}x{CubeSimulation.Side} grid {CubeSimulation.Spacing} m apart, one player at {simulation.PlayerSpeed} m/s on a Lissajous curve, friction {simulation.Deceleration} m/s²), {TickRate} Hz, one client over UDP loopback");
        Console.WriteLine($"  state: [Quantize(-256, 256, 1/512)] position, [Bits(9)] smallest-three orientation, [Quantize(-32, 32, 1/64)] velocity, bool interacting; budget {BudgetBytesPerSecond / 1024 / 1024} MB/s per client; SnapshotHistory {history}");
        Console.WriteLine($"  measured: {ticks} ticks = {simSeconds:N1} s of simulation in {wall:N2} s of wall time ({late} ticks started more than a tick late); spawn phase before it: {spawnBytes:N0} snapshot bytes in {spawnSeconds:N2} s (not counted)");
        Console.WriteLine();
        Console.WriteLine($"| {"what",-66} | {"kbit/s",10} | {"vs 256 kbit/s",13} |");
        Console.WriteLine($"|{new string('-', 68)}|{new string('-', 12)}|{new string('-', 15)}|");
        Row($"(a) uncompressed: {CubeSimulation.Count} x {UncompressedBitsPerCube} bits x {TickRate} Hz (article: 17.37 Mbit/s)", uncompressedKbps);
        Row("(b) Travelers snapshot payload (World.Statistics.BytesSent)", payloadKbps);
        Row("    on the wire, Travelers packet headers included", wireKbps);
        Row($"    on the wire, + {Rig.IpUdpHeaderBytes} B IPv4/UDP per datagram", wireIpKbps);
        Row("(c) the article's target", TargetKbps);
        Console.WriteLine();
        Console.WriteLine($"  (d) cubes moving per tick: mean {meanMoving:N2} of {CubeSimulation.Count} ({meanMoving / CubeSimulation.Count:P2}), max {tickMoving.Max()}; ticks with more than 1% moving {tickMoving.Count(m => m > CubeSimulation.Count / 100) / (double)ticks:P0}");
        Console.WriteLine($"  compression: {uncompressedKbps / payloadKbps:N1}x; {payloadBytes / (double)ticks:N1} snapshot bytes/tick (median {Median(tickBytes):N0}, max {tickBytes.Max():N0}), {parts / (double)ticks:N2} parts/tick (max {tickParts.Max()}), {packets / (double)ticks:N2} datagrams/tick");

        // Where the bytes go. A tick that carries far more than its moving cubes resent cubes at rest (see the report):
        // those ticks apart, what the moving cubes cost.
        long heavyLimit = 4L * CubeSimulation.Count; // 4 bytes for each of the 901 cubes: more than the moving ones ever need
        int[] heavy = Enumerable.Range(0, ticks).Where(t => tickBytes[t] > heavyLimit).ToArray();
        long heavyBytes = heavy.Sum(t => tickBytes[t]);
        int light = ticks - heavy.Length;
        double lightBytes = (payloadBytes - heavyBytes) / (double)Math.Max(light, 1);
        double lightMoving = Enumerable.Range(0, ticks).Where(t => tickBytes[t] <= heavyLimit).Select(t => (double)tickMoving[t]).DefaultIfEmpty(0).Average();
        double lightParts = Enumerable.Range(0, ticks).Where(t => tickBytes[t] <= heavyLimit).Select(t => (double)tickParts[t]).DefaultIfEmpty(0).Average();
        string spacing = heavy.Length > 1 ? $", {string.Join(" ", heavy.Zip(heavy.Skip(1), (a, b) => b - a).Distinct().Take(5))} ticks apart" : "";
        Console.WriteLine($"  where the bytes go: {heavy.Length} of {ticks} ticks carried more than {heavyLimit:N0} B (4 B x {CubeSimulation.Count} cubes){spacing}: {heavyBytes:N0} B, {heavyBytes / (double)payloadBytes:P1} of the payload, {heavy.Select(t => (double)tickBytes[t]).DefaultIfEmpty(0).Average():N0} B each");
        Console.WriteLine($"    the other {light} ticks: {lightBytes:N1} B each ({lightBytes * 8 * TickRate / 1000:N1} kbit/s), {lightMoving:N2} cubes moving, {lightParts:N2} parts: {lightParts * SnapshotHeaderBytes:N1} B of part headers + {(lightBytes - (lightParts * SnapshotHeaderBytes)) * 8 / Math.Max(lightMoving, 1e-9):N1} bits of records per moving cube");
        double recordBits = lightMoving > 0 ? (lightBytes - (lightParts * SnapshotHeaderBytes)) * 8 / lightMoving : 0;
        if (recordBits > 0)
        {
            // At this many bits per moving cube, how many cubes may move each tick within 256 kbit/s (payload, one part a tick).
            double room = (TargetKbps * 1000 / TickRate) - (SnapshotHeaderBytes * 8);
            Console.WriteLine($"  at {recordBits:N1} bits per moving cube, 256 kbit/s of payload carries {room / recordBits:N0} moving cubes per tick ({room / recordBits / CubeSimulation.Count:P1} of {CubeSimulation.Count}); all {CubeSimulation.Count} moving would be about {(CubeSimulation.Count * recordBits + SnapshotHeaderBytes * 8 * Math.Ceiling(CubeSimulation.Count * recordBits / 8 / 1188)) * TickRate / 1000:N0} kbit/s");
        }

        // Second by second: how the moving fraction and the bandwidth vary.
        Console.WriteLine($"  second by second (payload kbit/s, mean cubes moving): {string.Join("  ", Enumerable.Range(0, ticks / TickRate).Select(s => $"{tickBytes.Skip(s * TickRate).Take(TickRate).Sum() * 8 / 1000.0:N0}/{tickMoving.Skip(s * TickRate).Take(TickRate).Average():N0}"))}");
        Console.WriteLine($"  upstream (client to server, acks and heartbeats): {Kbps(upBytes):N1} kbit/s in {upPackets / simSeconds:N1} datagrams/s; with IPv4/UDP {Kbps(upBytes + (upPackets * Rig.IpUdpHeaderBytes)):N1} kbit/s");
        Console.WriteLine($"  client: {client1.PartsReceived - client0.PartsReceived} parts, {client1.BytesReceived - client0.BytesReceived:N0} bytes received, {client1.Dropped - client0.Dropped} dropped; server clamped {world.Clamped} values; connection loss {wire.Loss:P2}, resends {wire.Resends - wire0.Resends}");
        Console.WriteLine();
        error.Print();

        Rig.Close(server, [client]);
        return 0;

        double Kbps(long bytes) => bytes * 8 / simSeconds / 1000;

        static void Row(string what, double kbps) =>
            Console.WriteLine($"| {what,-66} | {kbps,10:N1} | {(kbps <= TargetKbps ? "below" : "above"),13} |");

        static double Median(long[] values)
        {
            long[] sorted = [.. values.Order()];
            return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
        }
    }

    /// <summary>The position the client should hold: each axis rounded to its step, as [Quantize(-256, 256, 1/512)] does.</summary>
    private static Vector3 Canonical(Vector3 p) => new(Round(p.X), Round(p.Y), Round(p.Z));

    private static float Round(float value) =>
        Quantization.Dequantize(Quantization.Quantize(value, -256, 256, 1f / 512, out _), -256, 256, 1f / 512);

    /// <summary>The largest angle between a rotation and its 9-bit smallest-three round trip, over <paramref name="count"/> random rotations (seeded).</summary>
    private static double CodecAngleMax(int count)
    {
        var random = new Random(7);
        double max = 0;
        for (int i = 0; i < count; i++)
        {
            var q = Quaternion.Normalize(new Quaternion(Gaussian(random), Gaussian(random), Gaussian(random), Gaussian(random)));
            Quaternion back = Quantization.RoundTripQuaternion(q, 9);
            max = Math.Max(max, Angle(q, back));
        }

        return max;

        static float Gaussian(Random random) =>
            (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
    }

    private static double Angle(Quaternion a, Quaternion b)
    {
        double dot = Math.Abs(Quaternion.Dot(Quaternion.Normalize(a), Quaternion.Normalize(b)));
        return 2 * Math.Acos(Math.Min(1.0, dot)) * 180 / Math.PI;
    }

    private sealed class ErrorStats
    {
        private const double Step = 1.0 / 512;

        private double _sum;
        private double _max;
        private double _axisMax;
        private double _angleSum;
        private double _angleMax;
        private long _count;
        private long _exact;
        private long _beyond;
        private long _positionCanonical;
        private long _orientationCanonical;
        private long _positionOff;
        private long _orientationOff;

        public int Samples { get; set; }

        public int Skipped { get; set; }

        public void Add(Vector3 difference, Quaternion client, Quaternion server)
        {
            double error = difference.Length();
            _sum += error;
            _max = Math.Max(_max, error);
            _axisMax = Math.Max(_axisMax, Math.Max(Math.Abs(difference.X), Math.Max(Math.Abs(difference.Y), Math.Abs(difference.Z))));
            double angle = Angle(client, server);
            _angleSum += angle;
            _angleMax = Math.Max(_angleMax, angle);
            _exact += difference == Vector3.Zero ? 1 : 0;
            _beyond += Math.Max(Math.Abs(difference.X), Math.Max(Math.Abs(difference.Y), Math.Abs(difference.Z))) > (Step / 2) + 1e-6 ? 1 : 0;
            _count++;
        }

        public void AddExact(bool position, bool orientation)
        {
            _positionCanonical += position ? 1 : 0;
            _orientationCanonical += orientation ? 1 : 0;
            _positionOff += position ? 0 : 1;
            _orientationOff += orientation ? 0 : 1;
        }

        public void Print()
        {
            // The bounds: half a step per axis; smallest-three with 9 bits: each of the three smaller components within
            // half a level, (1/sqrt 2) / (2^9 - 2), of its value; as an angle, the largest the codec makes on 1M random rotations.
            double componentError = 1 / Math.Sqrt(2) / ((1 << 9) - 2);
            double angleBound = CodecAngleMax(1_000_000);
            Console.WriteLine($"  (e) error of the client's cubes against the server's at the client's newest tick (the tick just published): {Samples} samples x {CubeSimulation.Count} cubes ({Skipped} ticks skipped: a part had not arrived within 5 ms)");
            Console.WriteLine($"      position: mean {_sum / _count / Step:N3}, max {_max / Step:N3} (units of 1/512 m; bound sqrt(3)/2 = {Math.Sqrt(3) / 2:N3}); largest axis error {_axisMax / Step:N3} (bound 0.5); more than half a step off on an axis: {_beyond} of {_count:N0}; exactly equal {_exact / (double)_count:P1}");
            Console.WriteLine($"      orientation: mean {_angleSum / _count:N4} deg, max {_angleMax:N4} deg (9-bit smallest-three: a component within {componentError:N5}; the codec's largest angle on 1M random rotations {angleBound:N4} deg)");
            Console.WriteLine($"      the client holds exactly the server's value quantized: position (to its step) {_positionCanonical / (double)_count:P3} ({_positionOff} not), orientation (Quantization.RoundTripQuaternion, 9 bits) {_orientationCanonical / (double)_count:P3} ({_orientationOff} not) of {_count:N0}");
        }
    }
}
