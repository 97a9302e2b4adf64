using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Travelers;
using Travelers.Messaging;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>Every option with a bad value fails at start with a message naming it.</summary>
public sealed class OptionsTests
{
    public static TheoryData<string, Action<NetServerOptions>> BadServerOptions => new()
    {
        { "MaxFrameBytes", o => o.MaxFrameBytes = 100 },
        { "MaxUnsentBytes", o => o.MaxUnsentBytes = 1024 },
        { "MaxQueuedReceiveBytes", o => o.MaxQueuedReceiveBytes = 1024 },
        { "HeartbeatInterval", o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(1) },
        { "Timeout", o => o.Timeout = TimeSpan.FromMilliseconds(500) },
        { "HandshakeTimeout", o => o.HandshakeTimeout = TimeSpan.Zero },
        { "CompressionThreshold", o => o.CompressionThreshold = 10 },
        { "Transport", o => o.Transport = (NetTransport)9 },
        { "Mtu", o => o.Mtu = 100 },
        { "MaxChannels", o => o.MaxChannels = 65 },
        { "MaxPacketsPerSecond", o => o.MaxPacketsPerSecond = 10 },
        { "Port", o => o.Port = 70_000 },
        { "Address", o => o.Address = null! },
        { "MaxPendingHandshakes", o => o.MaxPendingHandshakes = 0 },
        { "MaxConnectionsPerAddress", o => o.MaxConnectionsPerAddress = -1 },
        { "MaxConnectPayloadBytes", o => o.MaxConnectPayloadBytes = 100_000 },
        { "LoggerFactory", o => o.LoggerFactory = null! },
        { "TimeProvider", o => o.TimeProvider = null! },
    };

    [Theory]
    [InlineData(NetTransport.Udp)]
    [InlineData(NetTransport.Tcp)]
    public async Task Bad_network_conditions_fail_start_naming_the_option_and_the_setting(NetTransport transport)
    {
        var server = new NetServer(new NetServerOptions { Transport = transport, Address = IPAddress.Loopback, Port = 0, Conditions = new NetworkConditions { Loss = 2 } });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => server.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("NetServerOptions.Conditions.Loss", error.Message);
    }

    [Theory]
    [MemberData(nameof(BadServerOptions))]
    public async Task A_bad_server_option_fails_start_naming_it(string option, Action<NetServerOptions> spoil)
    {
        var options = new NetServerOptions { Address = IPAddress.Loopback, Port = 0 };
        spoil(options);
        var server = new NetServer(options);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => server.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal(option, error.ParamName);
        Assert.Contains($"NetServerOptions.{option}", error.Message);
    }

    [Fact]
    public async Task A_connect_payload_over_64_KB_fails_connect_naming_it()
    {
        var client = new NetClient(new NetClientOptions { ConnectPayload = new byte[64 * 1024 + 1] });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 1), TestContext.Current.CancellationToken));
        Assert.Contains("NetClientOptions.ConnectPayload", error.Message);
    }

    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task A_server_whose_frames_cannot_hold_the_hello_fails_start_and_one_whose_frames_just_can_accepts_the_largest_payload(NetTransport transport)
    {
        // The hello lists every type by name (about 2,900 bytes in this assembly): below it every connect was refused
        // as a protocol violation, with nothing at start to say why.
        const int payload = 2000;
        int hello = Handshake.HelloFrameBytes(MessageTable.Current(), payload);

        NetServerOptions tight = Loopback.ServerOptions(transport);
        tight.MaxConnectPayloadBytes = payload;
        tight.MaxFrameBytes = hello - 1;
        var refused = new NetServer(tight);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => refused.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal("MaxFrameBytes", error.ParamName);
        Assert.Contains($"NetServerOptions.MaxFrameBytes must hold the hello, a frame of {hello} bytes here", error.Message);
        Assert.Contains($"a connect payload of up to {payload} bytes (NetServerOptions.MaxConnectPayloadBytes)", error.Message);
        await refused.DisposeAsync();

        NetServerOptions exact = Loopback.ServerOptions(transport);
        exact.MaxConnectPayloadBytes = payload;
        exact.MaxFrameBytes = hello;
        await using NetServer server = await Loopback.StartServerAsync(exact);
        await using NetClient client = await Loopback.ConnectAsync(server, new NetClientOptions { Transport = transport, ConnectPayload = new byte[payload] });
        Assert.True(client.Connection.IsConnected);
    }

    [Fact]
    public async Task A_client_whose_frames_cannot_hold_its_hello_fails_connect_naming_the_option()
    {
        int hello = Handshake.HelloFrameBytes(MessageTable.Current(), 500);
        var client = new NetClient(new NetClientOptions { MaxFrameBytes = hello - 1, ConnectPayload = new byte[500] });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 1), TestContext.Current.CancellationToken));
        Assert.Equal("MaxFrameBytes", error.ParamName);
        Assert.Contains($"NetClientOptions.MaxFrameBytes must hold the hello, a frame of {hello} bytes here", error.Message);
        Assert.DoesNotContain("MaxConnectPayloadBytes", error.Message);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task The_hello_a_client_sends_is_the_size_its_start_check_counts()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var client = new NetClient(new NetClientOptions { ConnectPayload = new byte[300] });
        Task connect = client.ConnectAsync(listener.LocalEndpoint, TestContext.Current.CancellationToken);
        using (Socket peer = await listener.AcceptSocketAsync(TestContext.Current.CancellationToken))
        {
            byte[] prefix = new byte[4];
            for (int read = 0; read < prefix.Length;)
            {
                int got = await peer.ReceiveAsync(prefix.AsMemory(read), SocketFlags.None, TestContext.Current.CancellationToken);
                Assert.True(got > 0, "the client closed before its hello's length");
                read += got;
            }

            Assert.Equal(Handshake.HelloFrameBytes(MessageTable.Current(), 300), BinaryPrimitives.ReadInt32LittleEndian(prefix));
        }

        await Assert.ThrowsAnyAsync<Exception>(() => connect); // the peer hung up without an accept
    }

    /// <summary>
    /// The docs: server.Options is the constructor's instance, and options are checked when the server starts, "so set
    /// them before". The logger and the clock were taken from the options in the constructor, so a LoggerFactory or a
    /// TimeProvider set through server.Options before StartAsync was silently ignored.
    /// </summary>
    [Fact]
    public async Task A_logger_and_a_clock_set_through_Options_before_the_start_are_used()
    {
        var logs = new LogCapture();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var server = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0 });
        server.Options.LoggerFactory = logs;
        server.Options.TimeProvider = clock;
        await server.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            Assert.Contains(logs.Lines, line => line.StartsWith($"Listening on {server.LocalEndPoint}", StringComparison.Ordinal));
            Assert.Equal(clock.GetElapsedTime(0), server.World.ServerTime);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>
    /// The same for the world's options: the server's world was made in the constructor with the NetWorldOptions
    /// instance of that time, so one set through server.Options.World before StartAsync was validated at the start and
    /// then ignored (here, its MaxEntities).
    /// </summary>
    [Fact]
    public async Task World_options_set_through_Options_before_the_start_are_used()
    {
        var server = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0 });
        server.Options.World = new NetWorldOptions { MaxEntities = 1 };
        await server.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            server.World.Spawn(new Replication.Crate());
            InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => server.World.Spawn(new Replication.Crate()));
            Assert.Contains("MaxEntities (1)", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_defaults_start()
    {
        await using var server = new NetServer(new NetServerOptions { Port = 0 });
        await server.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NetTransport.Tcp, server.Options.Transport);
        Assert.Equal(512 * 1024, server.Options.MaxFrameBytes);
        Assert.True(server.LocalEndPoint.Port > 0);
    }

    [Fact]
    public async Task A_port_in_use_fails_start_with_the_socket_error()
    {
        await using var first = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0 });
        await first.StartAsync(TestContext.Current.CancellationToken);
        var second = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = first.LocalEndPoint.Port });
        var error = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => second.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal(System.Net.Sockets.SocketError.AddressAlreadyInUse, error.SocketErrorCode);
        second.Poll(); // stopped: does nothing
        await second.DisposeAsync();
    }
}
