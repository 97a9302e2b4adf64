using System.Buffers;
using Travelers;
using Travelers.Messaging;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>The control frames' bodies: round trips, and every malformed one refused with the serializer's error.</summary>
public sealed class HandshakeTests
{
    [Fact]
    public void A_hello_round_trips_with_every_type_and_the_payload()
    {
        MessageTable table = MessageTable.Current();
        var body = new ArrayBufferWriter<byte>();
        Handshake.WriteHello(body, table, "token"u8, Handshake.CompressionFlag);

        Handshake.Hello hello = Handshake.ReadHello(body.WrittenSpan, 1024);
        Assert.Equal(Handshake.Version, hello.Version);
        Assert.Equal(table.Fingerprint, hello.Fingerprint);
        Assert.Equal(Handshake.CompressionFlag, hello.Flags);
        // Every message, then every entity type, then every RPC.
        Assert.Equal(table.Types.Select(t => t.Id).Concat(table.EntityTypes.Select(e => e.Id)).Concat(table.Rpcs.Select(r => r.Id)), hello.Types.Select(t => t.Id));
        Assert.Equal(table.SchemaHashes, hello.Types.Take(table.Types.Length).Select(t => t.SchemaHash));
        Assert.Equal(table.Types.Select(t => t.Name).Concat(table.EntityTypes.Select(e => e.Name)).Concat(table.Rpcs.Select(r => r.Name)), hello.Types.Select(t => t.Name));
        Assert.Equal("token"u8.ToArray(), hello.Payload);
    }

    [Fact]
    public void A_payload_over_the_limit_is_refused()
    {
        var body = new ArrayBufferWriter<byte>();
        Handshake.WriteHello(body, MessageTable.Current(), new byte[100]);
        Assert.Throws<NetSerializationException>(() => Handshake.ReadHello(body.WrittenSpan, 99));
        Assert.Throws<NetSerializationException>(() => Handshake.ReadHello(body.WrittenSpan, 0));
        Assert.Equal(100, Handshake.ReadHello(body.WrittenSpan, 100).Payload.Length);
    }

    [Fact]
    public void Every_truncation_of_a_hello_is_refused_cleanly()
    {
        var body = new ArrayBufferWriter<byte>();
        Handshake.WriteHello(body, MessageTable.Current(), "x"u8);
        byte[] bytes = body.WrittenSpan.ToArray();
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<NetSerializationException>(() => Handshake.ReadHello(bytes.AsSpan(0, length), 1024));
        }

        Assert.Throws<NetSerializationException>(() => Handshake.ReadHello([.. bytes, 0], 1024)); // trailing byte
    }

    [Fact]
    public void A_type_count_beyond_the_bytes_left_is_refused_before_allocating()
    {
        var writer = new ArrayBufferWriter<byte>();
        var w = new NetWriter(writer);
        w.WriteUInt32(Handshake.Magic);
        w.WriteVarUInt32(Handshake.Version);
        w.WriteUInt64(0);
        w.WriteByte(0);
        w.WriteVarUInt32(60_000); // 60,000 types announced, none sent
        w.Flush();
        var error = Assert.Throws<NetSerializationException>(() => Handshake.ReadHello(writer.WrittenSpan, 1024));
        Assert.Contains("cannot fit", error.Message);
    }

    [Fact]
    public void Accept_and_notices_round_trip_and_unknown_reasons_are_refused()
    {
        var accept = new ArrayBufferWriter<byte>();
        Handshake.WriteAccept(accept, 42, TimeSpan.FromSeconds(3), Handshake.CompressionFlag);
        Assert.Equal((42L, TimeSpan.FromSeconds(3), Handshake.CompressionFlag), Handshake.ReadAccept(accept.WrittenSpan));

        var notice = new ArrayBufferWriter<byte>();
        Handshake.WriteNotice(notice, DisconnectReason.Kicked, new string('x', 5000));
        DisconnectInfo info = Handshake.ReadNotice(notice.WrittenSpan);
        Assert.Equal(DisconnectReason.Kicked, info.Reason);
        Assert.Equal(Handshake.MaxText, info.Message.Length); // long reasons are cut, not refused

        byte[] unknown = [200, 1];
        Assert.Throws<NetSerializationException>(() => Handshake.ReadNotice(unknown));
    }
}
