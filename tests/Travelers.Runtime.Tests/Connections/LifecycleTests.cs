using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Travelers;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>Starting, connecting, stopping and disposing servers and clients, in the orders a game may call them.</summary>
public sealed class LifecycleTests
{
    /// <summary>
    /// A server disposed before it started, then started: it used to bind and listen without ever accepting, and a
    /// second dispose did nothing (its stop had run already), so the port stayed bound for the life of the process.
    /// </summary>
    [Fact]
    public async Task A_server_started_after_its_dispose_does_not_keep_its_port()
    {
        var server = new NetServer(Loopback.ServerOptions());
        await server.DisposeAsync();
        IPEndPoint? bound = null;
        try
        {
            await server.StartAsync(TestContext.Current.CancellationToken);
            bound = server.LocalEndPoint;
        }
        catch (ObjectDisposedException)
        {
        }

        await server.DisposeAsync();
        if (bound is not null)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(bound); // throws AddressAlreadyInUse while the server's listener lives
        }
    }

    /// <summary>
    /// A client disposed before it connected, then connected: it used to connect, and a second dispose did nothing, so
    /// the connection stayed open (heartbeats and all) behind a client its owner had disposed.
    /// </summary>
    [Fact]
    public async Task A_client_connecting_after_its_dispose_is_refused()
    {
        await using NetServer server = await Loopback.StartServerAsync();
        var client = new NetClient();
        await client.DisposeAsync();
        Task connect = client.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken);
        await Loopback.Until(() => connect.IsCompleted, server.Poll);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => connect);
        await client.DisposeAsync();
        Assert.Empty(server.Connections);
    }

    /// <summary>
    /// A client disposed while its socket is still connecting (a server whose accept queue is full drops the SYN; the
    /// kernel retries for minutes): the connect used to go on after the dispose had returned, and to connect, send
    /// its hello and open behind the disposed client once the server made room.
    /// </summary>
    [Fact]
    public async Task A_client_disposed_while_its_socket_connects_ends_the_connect()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        using var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await filler.ConnectAsync(endPoint, TestContext.Current.CancellationToken); // never accepted: the queue is full

        var client = new NetClient();
        Task connect = client.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
        await client.DisposeAsync();

        await Loopback.Until(() => connect.IsCompleted);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => connect);
    }

    /// <summary>
    /// A client disposed once its socket has connected and its hello waits for the server's approval (the server not
    /// yet polled): the dispose's close failed the handshake, and the connect threw a NetConnectException ("The client
    /// closed the connection.", Graceful) as if the server had dropped it, where a dispose during ConnectAsync ends it
    /// with ObjectDisposedException (as it does while the socket connects, or before it).
    /// </summary>
    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task A_client_disposed_while_its_hello_waits_for_approval_ends_the_connect_as_disposed(NetTransport transport)
    {
        await using NetServer server = await Loopback.StartServerAsync(Loopback.ServerOptions(transport));
        var client = new NetClient(new NetClientOptions { Transport = transport });
        Task connect = client.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken);

        // Not polled: the server holds the hello for its approval, and the client waits for the answer.
        await Loopback.Until(() => server.InHandshake.Any(c => c.State == ConnectionState.Approving) || connect.IsCompleted);
        Assert.False(connect.IsCompleted);

        await client.DisposeAsync().AsTask().WaitAsync(Loopback.Bound, TestContext.Current.CancellationToken);
        await Loopback.Until(() => connect.IsCompleted);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => connect);
    }

    /// <summary>
    /// A connect that fails before it has a connection (cancelled while resolving the server's name, or given an end
    /// point that is neither an IP nor a DNS one) ends the client as every other failed connect does, on either
    /// transport. Over UDP it left the client running: its heartbeat timer ticking and its registration on the
    /// process's UDP service thread holding it, until a DisposeAsync the failed connect gave no reason to expect.
    /// </summary>
    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task A_connect_that_fails_before_it_has_a_connection_ends_the_client(NetTransport transport)
    {
        await using NetServer server = await Loopback.StartServerAsync(Loopback.ServerOptions(transport));
        await using var cancelled = new NetClient(new NetClientOptions { Transport = transport });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.ConnectAsync(new DnsEndPoint("localhost", server.LocalEndPoint.Port), new CancellationToken(canceled: true)));
        Assert.True(cancelled.IsStopped);

        await using var unreachable = new NetClient(new NetClientOptions { Transport = transport });
        await Assert.ThrowsAnyAsync<Exception>(() => unreachable.ConnectAsync(new UnixDomainSocketEndPoint("/nonexistent/travelers"), TestContext.Current.CancellationToken));
        Assert.True(unreachable.IsStopped);
    }

    /// <summary>
    /// A server started twice, or a client connected twice, is told so naming the public type: the message used to
    /// name the internal class shared by both ("Core was already started."), which says neither which nor why.
    /// </summary>
    [Fact]
    public async Task A_second_start_or_connect_names_the_server_or_client()
    {
        await using NetServer server = await Loopback.StartServerAsync();
        var started = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("NetServer was already started", started.Message, StringComparison.Ordinal);

        await using NetClient client = await Loopback.ConnectAsync(server);
        var connected = await Assert.ThrowsAsync<InvalidOperationException>(() => client.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken));
        Assert.StartsWith("NetClient was already started", connected.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Two connects of one client on two threads at once: exactly one connects, the other is told the client was
    /// started. The check and the start were apart, and both could pass: two timers, two connections, the first of
    /// them no longer tracked by the client.
    /// </summary>
    [Fact]
    public async Task Two_connects_at_once_on_one_client_connect_it_once()
    {
        await using NetServer server = await Loopback.StartServerAsync();
        for (int round = 0; round < 20; round++)
        {
            await using var client = new NetClient(new NetClientOptions());
            using var barrier = new Barrier(2);
            Task Connect() => Task.Run(async () =>
            {
                barrier.SignalAndWait(TestContext.Current.CancellationToken);
                await client.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken);
            });
            Task[] connects = [Connect(), Connect()];
            await Loopback.Until(() => connects.All(c => c.IsCompleted), server.Poll);
            Assert.Equal(1, connects.Count(c => c.IsCompletedSuccessfully));
            Exception refused = Assert.Single(connects, c => c.IsFaulted).Exception!.InnerException!;
            Assert.IsType<InvalidOperationException>(refused);
            Assert.StartsWith("NetClient was already started", refused.Message, StringComparison.Ordinal);
            await Loopback.Until(() => server.Connections.Count == 1, server.Poll);
            await client.DisposeAsync();
            await Loopback.Until(() => server.Connections.Count == 0, server.Poll);
        }
    }

    /// <summary>
    /// A StopAsync still waiting (a peer that neither reads nor closes, on a clock that never moves), then DisposeAsync:
    /// the dispose, "the same as StopAsync", used to return at once, the stop already begun, with the connection still
    /// open and the stop waiting for ever; it waits for the stop, at most its bound, then drops what is left.
    /// </summary>
    [Fact]
    public async Task A_dispose_during_a_stop_waits_for_it_and_drops_what_is_left_past_its_bound()
    {
        var options = Loopback.ServerOptions();
        options.TimeProvider = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        NetServer server = await Loopback.StartServerAsync(options);
        server.CloseBound = TimeSpan.FromMilliseconds(200);
        using RawPeer peer = await RawPeer.HandshakeAsync(server); // then neither reads nor closes
        NetConnection connection = server.Connections.Single();

        Task stop = server.StopAsync(TestContext.Current.CancellationToken); // waits for the linger, on a clock that never moves
        await server.DisposeAsync().AsTask().WaitAsync(Loopback.Bound, TestContext.Current.CancellationToken);

        Assert.Equal(ConnectionState.Closed, connection.State);
        await Loopback.Until(() => stop.IsCompleted);
        await stop;
    }

    /// <summary>
    /// A message sent while the handshake is under way (the server not yet polled, so not yet approved): it used to be
    /// dropped without a word over UDP, where the client has its connection at once, and over TCP once the socket had
    /// connected. It throws, and a send once the connect has returned arrives.
    /// </summary>
    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task A_message_sent_before_the_handshake_completes_throws_rather_than_vanishing(NetTransport transport)
    {
        await using NetServer server = await Loopback.StartServerAsync(Loopback.ServerOptions(transport));
        var received = new List<int>();
        server.On((NetConnection from, in Echo echo) => received.Add(echo.Client));
        await using var client = new NetClient(new NetClientOptions { Transport = transport });
        Task connect = client.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken);
        NetConnection? connection = null;
        await Loopback.Until(() => (connection = ConnectionOf(client)) is not null || connect.IsCompleted);

        var early = Assert.Throws<InvalidOperationException>(() => connection!.Send(new Echo { Client = 1 }));
        Assert.Contains("handshake has not completed", early.Message, StringComparison.Ordinal);
        Assert.False(connect.IsCompleted);

        await Loopback.Until(() => connect.IsCompleted, server.Poll);
        await connect;
        client.Send(new Echo { Client = 2 });
        await Loopback.Until(() => received.Count > 0, server.Poll);
        Assert.Equal([2], received);

        static NetConnection? ConnectionOf(NetClient client)
        {
            try
            {
                return client.Connection;
            }
            catch (InvalidOperationException)
            {
                return null; // no socket yet
            }
        }
    }
}
