using System.Net;
using System.Text;
using Travelers;

// dotnet run --project samples/Chat -- server [port]
// dotnet run --project samples/Chat -- client <name> [host:port]
string mode = args.Length > 0 ? args[0] : "";
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

switch (mode)
{
    case "server":
        await RunServerAsync(args.Length > 1 ? int.Parse(args[1]) : 7777, stop.Token);
        return 0;
    case "client" when args.Length > 1:
        return await RunClientAsync(args[1], args.Length > 2 ? IPEndPoint.Parse(args[2]) : new IPEndPoint(IPAddress.Loopback, 7777), stop.Token);
    default:
        Console.Error.WriteLine("usage: server [port] | client <name> [host:port]");
        return 2;
}

static async Task RunServerAsync(int port, CancellationToken stop)
{
    await using var server = new NetServer(new NetServerOptions
    {
        Port = port,

        // The connect payload is the player's name: refuse empty or taken ones.
        Approve = request => Encoding.UTF8.GetString(request.Payload.Span) is { Length: > 0 and <= 32 } ? Approval.Accept : Approval.Refuse("Pick a name of 1 to 32 characters."),
    });
    var names = new Dictionary<NetConnection, string>();
    server.ConnectionOpened += c => Console.WriteLine($"+ connection {c.Id} from {c.RemoteEndPoint}");
    server.ConnectionClosed += (c, info) =>
    {
        Console.WriteLine($"- connection {c.Id}: {info.Reason} {info.Message}");
        if (names.Remove(c, out string? name))
        {
            server.SendToAll(new ChatLine("server", $"{name} left"));
        }
    };
    server.On((NetConnection from, in ChatLine line) =>
    {
        // The server decides who said it: a client cannot speak for someone else.
        names[from] = line.From;
        server.SendToAll(new ChatLine(line.From, line.Text));
    });
    await server.StartAsync(stop);
    Console.WriteLine($"Chat server on {server.LocalEndPoint}; Ctrl+C stops it.");
    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(15));
    try
    {
        while (await timer.WaitForNextTickAsync(stop))
        {
            server.Poll();
        }
    }
    catch (OperationCanceledException)
    {
    }
}

static async Task<int> RunClientAsync(string name, IPEndPoint server, CancellationToken stop)
{
    await using var client = new NetClient(new NetClientOptions { ConnectPayload = Encoding.UTF8.GetBytes(name) });
    client.On((NetConnection _, in ChatLine line) => Console.WriteLine($"[{line.From}] {line.Text}"));
    client.ConnectionClosed += (_, info) => Console.WriteLine($"Disconnected: {info.Reason} {info.Message}");
    try
    {
        await client.ConnectAsync(server, stop);
    }
    catch (NetConnectException e)
    {
        Console.Error.WriteLine($"Cannot join: {e.Reason}");
        return 1;
    }

    Console.WriteLine($"Connected to {server} as {name}. Type lines; Ctrl+C leaves.");

    // Send works from any thread: this one reads the keyboard, the main one polls.
    _ = Task.Run(() =>
    {
        while (Console.ReadLine() is { } text)
        {
            if (text.Length > 0)
            {
                client.Send(new ChatLine(name, text.Length > 256 ? text[..256] : text));
            }
        }
    });

    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(15));
    try
    {
        while (await timer.WaitForNextTickAsync(stop) && client.Connection.IsConnected)
        {
            client.Poll();
        }
    }
    catch (OperationCanceledException)
    {
    }

    client.Poll();
    return 0;
}

/// <summary>One line of chat.</summary>
[NetMessage]
public partial record ChatLine([MaxLength(32)] string From, [MaxLength(256)] string Text);
