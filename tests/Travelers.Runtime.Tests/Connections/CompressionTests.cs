using Travelers;
using Travelers.Messaging;

namespace Travelers.Runtime.Tests.Connections;

public sealed class CompressionTests
{
    private static async Task<(long Bytes, byte[] Data)> SendBlobAsync(bool serverCompresses, bool clientCompresses, byte[]? data = null)
    {
        var options = Loopback.ServerOptions();
        options.EnableCompression = serverCompresses;
        await using NetServer server = await Loopback.StartServerAsync(options);
        byte[]? got = null;
        server.On((NetConnection _, in Blob b) => got = b.Data);
        await using NetClient client = await Loopback.ConnectAsync(server, new NetClientOptions { EnableCompression = clientCompresses });
        Assert.Equal(serverCompresses && clientCompresses, client.Connection.Link.Compresses);

        // Compressible: a repeating pattern, 200 KB, unless said otherwise.
        data ??= Enumerable.Range(0, 200 * 1024).Select(i => (byte)(i % 61)).ToArray();
        long before = client.Connection.Statistics.BytesSent;
        client.Send(new Blob { Data = data });
        client.Send(new Echo { Sequence = 1, Text = "small messages ride in the same batch" });
        // BytesSent counts a batch once the socket has taken all of it, on the client's send loop: the server can read
        // and dispatch the last bytes before that thread gets to count them (on a loaded machine, a while before).
        // Nothing left unsent is when all of it is counted.
        await Loopback.Until(() => got is not null && client.Connection.Link.Unsent == 0, server.Poll, client.Poll);
        return (client.Connection.Statistics.BytesSent - before, got!);
    }

    [Fact]
    public async Task Large_batches_are_compressed_when_both_sides_enable_it()
    {
        (long bytes, byte[] data) = await SendBlobAsync(serverCompresses: true, clientCompresses: true);
        Assert.Equal(200 * 1024, data.Length);
        Assert.Equal(Enumerable.Range(0, 200 * 1024).Select(i => (byte)(i % 61)), data);
        Assert.True(bytes < 20 * 1024, $"{bytes} bytes on the wire");
    }

    [Fact]
    public async Task A_batch_that_compresses_as_far_as_LZ4_can_arrives_whole()
    {
        // Zeros: the most a batch can shrink, so its declared size is as near as it comes to the 255 times its bytes
        // that a receiver allows.
        (long bytes, byte[] data) = await SendBlobAsync(serverCompresses: true, clientCompresses: true, new byte[400 * 1024]);

        Assert.Equal(new byte[400 * 1024], data);
        Assert.True(bytes < 400 * 1024 / 200, $"{bytes} bytes on the wire");
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Nothing_is_compressed_unless_both_sides_enable_it(bool server, bool client)
    {
        (long bytes, byte[] data) = await SendBlobAsync(server, client);
        Assert.Equal(200 * 1024, data.Length);
        Assert.True(bytes > 200 * 1024, $"{bytes} bytes on the wire");
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3 }, "declaring 4294967295 bytes")]
    [InlineData(new byte[] { 0x80, 0x01, 0xF0, 0x55 }, "does not decompress")]
    [InlineData(new byte[] { 0xA0, 0x8D, 0x06, 0x1F, 0x00, 0x01, 0x00 }, "declaring 100000 bytes from 4")] // more than 4 bytes of LZ4 can hold
    public async Task A_bad_compressed_batch_is_a_protocol_violation(byte[] body, string expected)
    {
        var options = Loopback.ServerOptions();
        options.EnableCompression = true;
        await using NetServer server = await Loopback.StartServerAsync(options);
        using RawPeer peer = await RawPeer.HandshakeAsync(server, flags: Handshake.CompressionFlag);
        await peer.SendFrameAsync(FrameKind.CompressedMessages, body);
        Task<DisconnectInfo?> notice = peer.ReadUntilClosedAsync();
        await Loopback.Until(() => notice.IsCompleted, server.Poll);
        Assert.Equal(DisconnectReason.ProtocolViolation, (await notice)?.Reason);
        Assert.Contains(expected, (await notice)?.Message);
    }

    [Fact]
    public async Task A_compressed_batch_without_agreement_is_a_protocol_violation()
    {
        await using NetServer server = await Loopback.StartServerAsync();
        using RawPeer peer = await RawPeer.HandshakeAsync(server);
        await peer.SendFrameAsync(FrameKind.CompressedMessages, [1, 0]);
        Task<DisconnectInfo?> notice = peer.ReadUntilClosedAsync();
        await Loopback.Until(() => notice.IsCompleted, server.Poll);
        Assert.Equal(DisconnectReason.ProtocolViolation, (await notice)?.Reason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_flush_of_more_than_a_frame_is_cut_into_frames(bool compress)
    {
        var options = Loopback.ServerOptions();
        options.MaxFrameBytes = 64 * 1024;
        options.EnableCompression = compress;
        await using NetServer server = await Loopback.StartServerAsync(options);
        var got = new List<byte[]>();
        server.On((NetConnection _, in Blob b) => got.Add(b.Data));
        await using NetClient client = await Loopback.ConnectAsync(server, new NetClientOptions { MaxFrameBytes = 64 * 1024, EnableCompression = compress });

        // 20 incompressible messages of 10 KB, one flush: about 200 KB, so at least four frames.
        var random = new Random(3);
        byte[][] sent = Enumerable.Range(0, 20).Select(_ =>
        {
            byte[] data = new byte[10 * 1024];
            random.NextBytes(data);
            return data;
        }).ToArray();
        foreach (byte[] data in sent)
        {
            client.Send(new Blob { Data = data });
        }

        client.Flush();
        await Loopback.Until(() => got.Count == sent.Length, server.Poll, client.Poll);
        Assert.Equal(sent, got);
        Assert.True(client.Connection.IsConnected);
    }
}
