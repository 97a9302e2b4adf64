using System.Diagnostics;
using System.Net;
using Travelers;

namespace Travelers.Transport.Benchmarks;

/// <summary><c>-- --send-cost</c>: where the sender's time goes, Send() against Flush(), per message (a rough guide).</summary>
internal static class SendCost
{
    public static async Task RunAsync()
    {
        await using var server = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0 });
        long received = 0;
        server.On((NetConnection _, in Small m) => Volatile.Write(ref received, received + 1));
        await server.StartAsync();
        await using var client = new NetClient(new NetClientOptions { MaxUnsentBytes = 512 * 1024 * 1024 });
        Task connect = client.ConnectAsync(server.LocalEndPoint);
        while (!connect.IsCompleted)
        {
            server.Poll();
        }

        var stop = false;
        var poller = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                server.Poll();
                Thread.Yield();
            }
        });
        poller.Start();
        var message = new Small { A = 1 };
        for (int round = 0; round < 5; round++)
        {
            long sendTicks = 0, flushTicks = 0;
            const int Count = 1_000_000;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Count; i += 64)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int j = 0; j < 64; j++)
                {
                    client.Send(in message);
                }

                long t1 = Stopwatch.GetTimestamp();
                client.Flush();
                long t2 = Stopwatch.GetTimestamp();
                sendTicks += t1 - t0;
                flushTicks += t2 - t1;
            }

            double total = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Count;
            Console.WriteLine($"round {round}: Send {sendTicks * 1e9 / Stopwatch.Frequency / Count:N1} ns, Flush {flushTicks * 1e9 / Stopwatch.Frequency / Count:N1} ns, loop {total:N1} ns per message");
        }

        Volatile.Write(ref stop, true);
        poller.Join();

        // Send alone, nothing flushed: what one Send costs without the socket (the pipe holds it all).
        for (int round = 0; round < 6; round++)
        {
            const int Count = 1_000_000;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Count; i++)
            {
                client.Send(in message);
            }

            Console.WriteLine($"Send alone, round {round}: {Stopwatch.GetElapsedTime(start).TotalNanoseconds / Count:N1} ns per message");
            client.Flush();
            await Task.Delay(200);
            server.Poll();
        }
    }
}
