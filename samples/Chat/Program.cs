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

        // The connect payload is the player's name: refuse empty or overlong ones (a taken name is not checked).
        Approve = request => Encoding.UTF8.GetString(request.Payload.Span) is { Length: > 0 and <= 32 } ? Approval.Accept : Approval.Refuse("Pick a name of 1 to 32 characters."),
    });
    ChatRoom room = server.AddService(new ChatRoom());
    server.ConnectionOpened += c => Console.WriteLine($"+ connection {c.Id} from {c.RemoteEndPoint}");
    server.ConnectionClosed += (c, info) =>
    {
        Console.WriteLine($"- connection {c.Id}: {info.Reason} {info.Message}");
        room.Leave(c);
    };
    server.On((NetConnection from, in ChatLine line) =>
    {
        // The server decides who said it: the name the connection joined with, not what the line claims.
        if (room.NameOf(from) is { } name)
        {
            server.SendToAll(new ChatLine(name, line.Text));
        }
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

    // A request and its answer: the call goes out, the answer comes back in Poll().
    ChatRoom room = client.AddService(new ChatRoom());
    ValueTask<string[]> joining = room.Server.Join(name);
    while (!joining.IsCompleted)
    {
        client.Poll();
        await Task.Delay(15, stop);
    }

    string[] present = await joining;
    Console.WriteLine($"Connected to {server} as {name}; here: {string.Join(", ", present)}. Type lines, /who for who is here; Ctrl+C leaves.");

    // Send and calls work from any thread: this one reads the keyboard, the main one polls.
    _ = Task.Run(async () =>
    {
        while (Console.ReadLine() is { } text)
        {
            if (text == "/who")
            {
                try
                {
                    Console.WriteLine("here: " + string.Join(", ", await room.Server.Who()));
                }
                catch (Exception e) when (e is RpcException or TimeoutException)
                {
                    Console.WriteLine($"/who failed: {e.Message}");
                }
            }
            else if (text.Length > 0)
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

/// <summary>
/// Who is in the room: a service, one instance on the server and one on each client. Join and Who run on the server
/// and answer (ValueTask&lt;T&gt;); Announce runs on every client.
/// </summary>
public sealed partial class ChatRoom : NetService
{
    private readonly Dictionary<NetConnection, string> _names = new();

    /// <summary>Server: the name <paramref name="connection"/> joined with, or null before it joined.</summary>
    public string? NameOf(NetConnection connection) => _names.GetValueOrDefault(connection);

    /// <summary>Server: <paramref name="connection"/> left; the others hear of it.</summary>
    public void Leave(NetConnection connection)
    {
        if (_names.Remove(connection, out string? name))
        {
            Observers.Announce($"{name} left");
        }
    }

    /// <summary>Joins under <paramref name="name"/>; answers with everyone here.</summary>
    [Rpc(RpcTarget.Server, MaxPerSecond = 1)]
    private ValueTask<string[]> Join([MaxLength(32)] string name, RpcContext context)
    {
        _names[context.Caller] = name;
        Observers.Announce($"{name} joined");
        return new(Present());
    }

    /// <summary>Everyone here.</summary>
    [Rpc(RpcTarget.Server, MaxPerSecond = 5)]
    private ValueTask<string[]> Who() => new(Present());

    /// <summary>Runs on every client.</summary>
    [Rpc(RpcTarget.Observers)]
    private void Announce([MaxLength(64)] string text) => Console.WriteLine($"* {text}");

    private string[] Present() => _names.Values.Order(StringComparer.Ordinal).ToArray();
}
