using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Travelers;
using Travelers.Runtime.Tests.Connections;
using Travelers.Transport.Udp;

namespace Travelers.Runtime.Tests.Udp;

/// <summary>What strangers can make a UDP server do: nothing that costs it state, and never more bytes back than they sent.</summary>
public sealed class UdpAbuseTests
{
    [Fact]
    public async Task Twenty_thousand_garbage_datagrams_create_nothing_and_get_nothing_back()
    {
        await using NetServer server = await Loopback.StartServerAsync(UdpConnectionTests.Server());
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        attacker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var random = new Random(3);
        byte[] datagram = new byte[1200];
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(1, datagram.Length);
            random.NextBytes(datagram.AsSpan(0, length));
            if (i % 4 == 0)
            {
                // A quarter pass the checksum, so the parser behind it is exercised too.
                datagram[0] = (byte)random.Next(0, 9);
                length = Math.Max(length, 8);
                UdpPacket.Seal(datagram, length - UdpPacket.ChecksumBytes);
            }

            attacker.SendTo(datagram.AsSpan(0, length), SocketFlags.None, server.LocalEndPoint);
            if (i % 50 == 49)
            {
                // In bursts the socket buffer can hold: what the kernel drops never reaches the server to be judged.
                int sent = i + 1;
                await Loopback.Until(() => Seen(server.Udp!) + server.Udp!.Rejected >= sent, server.Poll);
            }
        }

        UdpListener listener = server.Udp!;
        Assert.Equal(20_000, Seen(listener) + listener.Rejected);
        Assert.True(listener.Corrupt >= 14_000, $"{listener.Corrupt} corrupt");
        Assert.Equal(0, listener.Sessions);
        Assert.Empty(server.Connections);

        // A challenge may answer a random datagram that happened to look like a request; nothing else answers.
        attacker.ReceiveTimeout = 200;
        long back = 0;
        byte[] buffer = new byte[2048];
        while (attacker.Available > 0)
        {
            back += attacker.Receive(buffer);
        }

        Assert.True(back <= listener.Challenges * (1 + UdpPacket.CookieBytes + UdpPacket.ChecksumBytes) + (listener.Rejected * 1200), $"{back} bytes back");
    }

    private static long Seen(UdpListener listener) => listener.Corrupt + listener.Garbage + listener.UnknownSession + listener.Challenges;

    [Fact]
    public async Task A_spoofed_hello_flood_from_fifty_addresses_keeps_no_state_and_amplifies_nothing()
    {
        await using NetServer server = await Loopback.StartServerAsync(UdpConnectionTests.Server());
        var sockets = new List<Socket>();
        try
        {
            byte[] request = new byte[UdpPacket.RequestBytes];
            request[0] = (byte)PacketType.ConnectRequest;
            BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(1), UdpPacket.Magic);
            BinaryPrimitives.WriteUInt16LittleEndian(request.AsSpan(5), UdpPacket.Version);
            UdpPacket.Seal(request, request.Length - UdpPacket.ChecksumBytes);
            long sent = 0;
            for (int a = 2; a < 52; a++)
            {
                // 127.0.0.2 to 127.0.0.51: fifty source addresses, none of which completes the exchange.
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{a}"), 0));
                sockets.Add(socket);
                for (int i = 0; i < 40; i++)
                {
                    sent += socket.SendTo(request, SocketFlags.None, server.LocalEndPoint);
                    int requests = ((a - 2) * 40) + i + 1;
                    if (requests % 40 == 0)
                    {
                        await Loopback.Until(() => server.Udp!.Challenges >= requests, server.Poll);
                    }
                }
            }

            UdpListener listener = server.Udp!;
            await Loopback.Until(() => listener.Challenges == 2000, server.Poll);
            Assert.Equal(0, listener.Sessions);
            Assert.Empty(server.Connections);

            long back = 0;
            byte[] buffer = new byte[2048];
            foreach (Socket socket in sockets)
            {
                while (socket.Available > 0)
                {
                    back += socket.Receive(buffer);
                }
            }

            Assert.True(back * 40 < sent, $"{back} bytes back for {sent} sent"); // a 25-byte challenge for a 1,200-byte request
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_forged_cookie_makes_no_session()
    {
        await using NetServer server = await Loopback.StartServerAsync(UdpConnectionTests.Server());
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        attacker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] response = new byte[UdpPacket.ResponseBytes + UdpPacket.ChecksumBytes];
        response[0] = (byte)PacketType.ConnectResponse;
        new Random(5).NextBytes(response.AsSpan(1, UdpPacket.CookieBytes));
        UdpPacket.Seal(response, response.Length - UdpPacket.ChecksumBytes);
        for (int i = 0; i < 100; i++)
        {
            attacker.SendTo(response, SocketFlags.None, server.LocalEndPoint);
        }

        await Loopback.Until(() => server.Udp!.Garbage == 100, server.Poll);
        Assert.Equal(0, server.Udp!.Sessions);
        Assert.Equal(0, attacker.Available);
    }

    [Fact]
    public async Task A_flooding_client_is_rate_limited_without_hurting_another()
    {
        NetServerOptions options = UdpConnectionTests.Server();
        options.MaxPacketsPerSecond = 500;
        await using NetServer server = await Loopback.StartServerAsync(options);
        server.On((NetConnection from, in Echo m) => from.Send(in m));
        await using NetClient flooder = await Loopback.ConnectAsync(server, UdpConnectionTests.Client());
        int echoes = 0;
        await using NetClient honest = await Loopback.ConnectAsync(server, UdpConnectionTests.Client(), c => c.On((NetConnection _, in Echo _) => echoes++));

        // The flooder sends a datagram per message, far over its allowance, until the server has dropped a thousand of
        // them (a fixed burst was not enough on a loaded machine: the kernel dropped most before the server read them).
        var links = server.Connections.Select(c => (UdpLink)c.Link).ToList();
        int sent = 0;
        await Loopback.Until(
            () => links.Any(l => l.RateLimited > 1000),
            () =>
            {
                for (int i = 0; i < 500; i++, sent++)
                {
                    flooder.Send(new Echo { Sequence = sent }, Delivery.Unreliable);
                    flooder.Flush();
                }
            },
            server.Poll,
            flooder.Poll);

        for (int i = 0; i < 20; i++)
        {
            honest.Send(new Echo { Sequence = i });
        }

        await Loopback.Until(() => echoes == 20, server.Poll, flooder.Poll, honest.Poll);
        Assert.Single(links, l => l.RateLimited > 1000);
        Assert.All(server.Connections, c => Assert.True(c.IsConnected));
    }

    [Fact]
    public async Task A_request_of_another_version_is_rejected_with_both_versions_and_fewer_bytes()
    {
        await using NetServer server = await Loopback.StartServerAsync(UdpConnectionTests.Server());
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] request = new byte[UdpPacket.RequestBytes];
        request[0] = (byte)PacketType.ConnectRequest;
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(1), UdpPacket.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(request.AsSpan(5), 99);
        UdpPacket.Seal(request, request.Length - UdpPacket.ChecksumBytes);
        peer.SendTo(request, SocketFlags.None, server.LocalEndPoint);

        byte[] buffer = new byte[2048];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Loopback.Bound);
        int received = await peer.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.True(received < request.Length);
        Assert.True(UdpPacket.IsIntact(buffer.AsSpan(0, received)));
        Assert.Equal(PacketType.Reject, (PacketType)buffer[0]);
        DisconnectInfo notice = Travelers.Messaging.Handshake.ReadNotice(buffer.AsSpan(1, received - 1 - UdpPacket.ChecksumBytes));
        Assert.Equal(DisconnectReason.ProtocolMismatch, notice.Reason);
        Assert.Contains("version 99", notice.Message);
        Assert.Equal(0, server.Udp!.Sessions);
    }
}
