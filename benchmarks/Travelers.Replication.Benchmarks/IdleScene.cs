using System.Numerics;
using Travelers;

namespace Travelers.Replication.Benchmarks;

/// <summary>
/// <c>--idle [entities]</c>: what a world in which nothing changes costs per client and tick: entities spawned, then
/// no change at all, 10 clients, 60 Hz. Measured over 60 ticks once every client holds every entity and 2 s passed.
/// </summary>
internal static class IdleScene
{
    public const int ClientCount = 10;
    public const int TickRate = 60;
    public const int MeasuredTicks = 60;

    public static int Run(int entities, double settleSeconds, int? snapshotHistory = null)
    {
        NetServer server = Rig.StartServerAsync(new NetWorldOptions().BudgetBytesPerSecond, snapshotHistory).GetAwaiter().GetResult();
        NetClient[] clients = Rig.Connect(server, ClientCount);
        NetConnection[] connections = clients.Select(c => Rig.ConnectionOf(server, c)).ToArray();
        var random = new Random(1);
        for (int i = 0; i < entities; i++)
        {
            server.World.Spawn(new Player { Position = new Vector3(random.Next(-100, 100), 0, random.Next(-100, 100)), Health = 100, Score = i });
        }

        var clock = new TickClock(TickRate);
        void PollAll()
        {
            server.Poll();
            foreach (NetClient client in clients)
            {
                client.Poll();
            }
        }

        void Tick()
        {
            clock.Wait(PollAll);
            server.World.Publish();
        }

        if (!Rig.Until(() => clients.All(c => c.World.Entities.Count == entities), TimeSpan.FromSeconds(60), Tick))
        {
            throw new InvalidOperationException(
                $"The clients did not get the {entities} entities within 60 s: they hold {string.Join(", ", clients.Select(c => c.World.Entities.Count))}; " +
                $"dropped {string.Join(", ", clients.Select(c => c.World.Statistics.Dropped))}; parts received {string.Join(", ", clients.Select(c => c.World.Statistics.PartsReceived))}; server {server.World.Statistics}");
        }

        uint spawned = server.World.Tick;
        for (int i = 0; i < settleSeconds * TickRate; i++)
        {
            Tick();
            if (Environment.GetEnvironmentVariable("IDLE_TRACE") is not null)
            {
                Console.Write($"{server.World.Tick}:{server.World.Statistics.LastPublishBytes} ");
            }
        }

        long wire0 = connections.Sum(c => c.Statistics.BytesSent);
        long packets0 = connections.Sum(c => c.Statistics.PacketsSent);
        long parts0 = server.World.Statistics.PartsSent;
        long publishBytes = 0;
        long publishMax = 0;
        for (int i = 0; i < MeasuredTicks; i++)
        {
            Tick();
            long bytes = server.World.Statistics.LastPublishBytes;
            publishBytes += bytes;
            publishMax = Math.Max(publishMax, bytes);
            if (Environment.GetEnvironmentVariable("IDLE_TRACE") is not null)
            {
                Console.Write($"{server.World.Tick}:{bytes} ");
            }
        }

        // Let the last tick's datagrams reach the socket before reading the wire counters.
        for (int i = 0; i < 5; i++)
        {
            PollAll();
            Thread.Sleep(1);
        }

        long wire = connections.Sum(c => c.Statistics.BytesSent) - wire0;
        long packets = connections.Sum(c => c.Statistics.PacketsSent) - packets0;
        long parts = server.World.Statistics.PartsSent - parts0;
        double perClientTick = ClientCount * (double)MeasuredTicks;
        double snapshot = publishBytes / perClientTick;
        double wireBytes = wire / perClientTick;
        double wireIp = (wire + (packets * Rig.IpUdpHeaderBytes)) / perClientTick;
        Console.WriteLine($"Idle: {entities} entities that never change, {ClientCount} clients over UDP loopback, {TickRate} Hz; every client held every entity at tick {spawned}, then {settleSeconds:N1} s passed; measured over {MeasuredTicks} ticks");
        Console.WriteLine($"| {"per client per tick",-52} | {"bytes",8} | {"target < 100",12} |");
        Console.WriteLine($"|{new string('-', 54)}|{new string('-', 10)}|{new string('-', 14)}|");
        Row("snapshot bytes (LastPublishBytes / clients)", snapshot);
        Row("on the wire, Travelers packet headers included", wireBytes);
        Row($"on the wire, + {Rig.IpUdpHeaderBytes} B IPv4/UDP per datagram", wireIp);
        Console.WriteLine($"  parts per client per tick {parts / perClientTick:N2}, datagrams per client per tick {packets / perClientTick:N2}; largest LastPublishBytes {publishMax} (all {ClientCount} clients)");
        Rig.Close(server, clients);
        return 0;

        static void Row(string what, double bytes) =>
            Console.WriteLine($"| {what,-52} | {bytes,8:N1} | {(bytes < 100 ? "met" : "missed"),12} |");
    }
}
