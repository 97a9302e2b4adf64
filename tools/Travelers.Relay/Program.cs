using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Travelers.RelayTool;

/// <summary>The command line: parses the options, runs a <see cref="Relay"/> and prints its counters every second.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        RelayOptions? options;
        try
        {
            options = RelayOptions.Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message} Run with --help for usage.").ConfigureAwait(false);
            return 2;
        }

        if (options is null)
        {
            Console.WriteLine(RelayOptions.Usage);
            return 0;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Stop cleanly (sockets closed, last counters printed) rather than being killed.
            e.Cancel = true;
            stop.Cancel();
        };

        var relay = new Relay(options);
        await using (relay.ConfigureAwait(false))
        {
            try
            {
                relay.Start();
            }
            catch (SocketException e)
            {
                await Console.Error.WriteLineAsync($"Cannot listen on {options.Listen}: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine($"Relaying {relay.LocalEndPoint} -> {options.Target} with {options.Conditions}. Ctrl+C stops.");
            using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await ticker.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    Console.WriteLine(relay.GetStatistics());
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C.
            }
        }

        Console.WriteLine(relay.GetStatistics());
        return 0;
    }
}
