using System.Globalization;
using System.Net;
using Arena;
using Spectre.Console;
using Travelers;

// The Arena: a server-authoritative game. Players are replicated entities (position, health, score) in a 2D
// arena; bots send inputs at 30 Hz; the server simulates at 30 Hz and publishes its world at 20 Hz, each client
// getting what changed among the players around it. By default the server and 100 bots run in this process over
// loopback sockets; the flags split them into separate processes.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Options.Usage);
    return 0;
}

// A dedicated server whose socket code is all Travelers can run socket completions on the runtime's epoll
// thread instead of hopping to the thread pool (docs/connections.md, "Running a dedicated server"): about a
// third less CPU. The runtime reads the variable when the first socket starts, so setting it here, before any,
// works; an explicit value in the environment (0 to compare) wins.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
if (options.Seconds > 0)
{
    stop.CancelAfter(TimeSpan.FromSeconds(options.Seconds));
}

NetServer? server = null;
ArenaServer? arena = null;
Task serverLoop = Task.CompletedTask;
EndPoint target;
try
{
    if (options.Connect is { } remote)
    {
        target = remote;
    }
    else
    {
        server = new NetServer(new NetServerOptions
        {
            Transport = options.Transport,
            Address = options.ServerOnly ? IPAddress.IPv6Any : IPAddress.Loopback,
            Port = options.ServerOnly ? options.Port : 0,
            World = new NetWorldOptions
            {
                // Each client sees the players within the view radius of its own (ArenaServer sets
                // connection.ViewPosition every tick); one already seen stays seen up to the margin beyond it.
                Interest = new GridInterest(cellSize: ArenaRules.ViewMargin, viewRadius: ArenaRules.ViewRadius),
                BudgetBytesPerSecond = ArenaRules.BudgetBytesPerSecond,
            },
        });
        arena = new ArenaServer(server);
        await server.StartAsync(stop.Token);
        target = new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port);
        serverLoop = Task.Factory.StartNew(() => arena.Run(stop.Token), TaskCreationOptions.LongRunning); // a thread of its own
        AnsiConsole.MarkupLine($"[bold]Arena server[/] on {Markup.Escape(server.LocalEndPoint.ToString())} ({options.Transport.ToString().ToLowerInvariant()})");
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

await using var bots = new Bots();
Task botLoop = Task.CompletedTask;
if (!options.ServerOnly)
{
    AnsiConsole.MarkupLine($"Connecting [bold]{options.Bots}[/] bots to {Markup.Escape(target.ToString() ?? "")}...");
    try
    {
        await bots.ConnectAsync(target, options.Bots, options.Transport, TimeSpan.FromMilliseconds(options.LatencyMs), options.LossPercent / 100.0, stop.Token);
    }
    catch (NetConnectException e)
    {
        Console.Error.WriteLine($"A bot could not connect: {e.Message}");
        stop.Cancel();
        await serverLoop;
        return 1;
    }

    botLoop = Task.Factory.StartNew(() => bots.RunAsync(stop.Token), TaskCreationOptions.LongRunning).Unwrap();
}

Func<Figures.Sample?> sample = arena is not null ? () => arena.Latest : bots.Take;
string side = arena is not null ? "server" : "bots";
await Display.RunAsync(sample, side, stop.Token);

await botLoop;
await serverLoop;
if (server is not null)
{
    await server.StopAsync();
}

Figures.Sample totals = bots.Totals();
AnsiConsole.MarkupLine(options.ServerOnly
    ? "Server stopped."
    : $"Done: the bots received {totals.SnapshotParts:N0} snapshot parts ({totals.SnapshotBytes / 1024.0 / 1024.0:N1} MB).");
return 0;

/// <summary>The command line.</summary>
internal sealed record Options(bool ServerOnly, IPEndPoint? Connect, int Bots, int Seconds, int Port, NetTransport Transport, int LatencyMs = 0, int LossPercent = 0)
{
    public const string Usage = """
        dotnet run -c Release --project samples/Arena [-- options]
          (none)              the server and 100 bots in this process, on loopback, for 30 s
          --bots N            how many bots (default 100)
          --seconds N         how long to run; 0 = until Ctrl+C (default 30; 0 with --server-only)
          --server-only       only the server, on all interfaces, port --port (default 7777), until Ctrl+C
          --port N            the server-only port
          --connect host:port only bots, against a server elsewhere
          --transport udp|tcp the transport (default udp)
          --latency MS        a simulated one-way latency on every bot's traffic, both ways (default 0)
          --loss PERCENT      a simulated loss of every bot's datagrams, 0 to 100 (UDP only; default 0)
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options(false, null, 100, 30, 7777, NetTransport.Udp);
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number(int min) => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min
                ? n
                : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least {min}.");
            o = args[i] switch
            {
                "--server-only" => o with { ServerOnly = true, Seconds = o.Seconds == 30 ? 0 : o.Seconds },
                "--connect" => o with { Connect = ParseEndPoint(Value()) },
                "--bots" => o with { Bots = Number(1) },
                "--seconds" => o with { Seconds = Number(0) },
                "--port" => o with { Port = Number(0) },
                "--latency" => o with { LatencyMs = Number(0) },
                "--loss" => o with { LossPercent = Number(0) is var p && p <= 100 ? p : throw new ArgumentException("--loss is a percentage, 0 to 100.") },
                "--transport" => o with
                {
                    Transport = Value() switch
                    {
                        "tcp" => NetTransport.Tcp,
                        "udp" => NetTransport.Udp,
                        var other => throw new ArgumentException($"--transport is tcp or udp, not '{other}'."),
                    },
                },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        if (o.ServerOnly && o.Connect is not null)
        {
            throw new ArgumentException("--server-only and --connect exclude each other.");
        }

        return o;
    }

    private static IPEndPoint ParseEndPoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw new ArgumentException($"--connect takes host:port, not '{text}'.");
        }

        string host = text[..colon].Trim('[', ']');
        IPAddress address = IPAddress.TryParse(host, out IPAddress? parsed)
            ? parsed
            : Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"Cannot resolve {host}.");
        return new IPEndPoint(address, port);
    }
}
