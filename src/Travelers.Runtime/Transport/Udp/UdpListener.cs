using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using Travelers.Messaging;

namespace Travelers.Transport.Udp;

/// <summary>
/// The server's side of UDP: one socket for every client, sessions found by the sender's address, and the
/// connect exchange (netcode.io's shape). A connect request must fill a whole datagram
/// (<see cref="UdpPacket.RequestBytes"/>) and gets back a small challenge holding a stateless cookie; only a
/// response echoing a valid cookie, which proves the client receives at its address, makes a session. Nothing is
/// kept for a client before that, and an address not yet proven never gets more bytes back than it sent
/// (no amplification). Datagrams with a bad checksum, of unknown type, of the wrong size, or for no session are
/// dropped and counted.
/// </summary>
internal sealed class UdpListener : IDisposable
{
    private readonly ConcurrentDictionary<SocketAddress, UdpLink> _sessions = new();
    private readonly ConnectCookie _cookies;
    private readonly Func<SocketAddress, IPEndPoint, uint, Admission> _admit;
    private readonly UdpSocket _socket;
    private long _corrupt;
    private long _garbage;
    private long _challenges;
    private long _unknownSession;
    private long _rejected;
    private long _stale;
    private long _replaced;

    /// <param name="socket">The bound server socket (not yet started).</param>
    /// <param name="admit">Makes a session for a client that proved its address, or refuses it.</param>
    /// <param name="time">The cookies' clock.</param>
    /// <param name="conditions">The simulator's settings, or null.</param>
    /// <param name="mtu">The sessions' datagram size, which segmented sends cut at.</param>
    public UdpListener(Socket socket, Func<SocketAddress, IPEndPoint, uint, Admission> admit, TimeProvider time, NetworkConditions? conditions, int mtu)
    {
        _admit = admit;
        _cookies = new ConnectCookie(time);
        _socket = new UdpSocket(socket, peer: null, conditions, time, OnDatagram, segmentSize: mtu);
    }

    /// <summary>What the server decided for a client that proved its address.</summary>
    /// <param name="Link">The new session's link, or null when refused.</param>
    /// <param name="Refusal">Why not, for the client.</param>
    internal readonly record struct Admission(UdpLink? Link, DisconnectInfo Refusal);

    /// <summary>Where datagrams go.</summary>
    public IUdpSender Sender => _socket;

    /// <summary>The bound address.</summary>
    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Datagrams whose checksum failed.</summary>
    public long Corrupt => Interlocked.Read(ref _corrupt);

    /// <summary>Datagrams of unknown type or the wrong size for theirs.</summary>
    public long Garbage => Interlocked.Read(ref _garbage);

    /// <summary>Challenges sent (one per well-formed connect request).</summary>
    public long Challenges => Interlocked.Read(ref _challenges);

    /// <summary>Session datagrams from an address with no session.</summary>
    public long UnknownSession => Interlocked.Read(ref _unknownSession);

    /// <summary>Connect requests or responses refused.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Connect responses older than the session their address has (a late copy of an earlier client's): dropped.</summary>
    public long Stale => Interlocked.Read(ref _stale);

    /// <summary>Sessions ended because a newer client connected from their address and port.</summary>
    public long Replaced => Interlocked.Read(ref _replaced);

    /// <summary>Sessions alive.</summary>
    public int Sessions => _sessions.Count;

    /// <summary>Starts receiving.</summary>
    public void Start() => _socket.Start();

    /// <summary>Forgets a session that ended.</summary>
    public void Forget(UdpLink link)
    {
        if (link.Address is { } address)
        {
            _sessions.TryRemove(KeyValuePair.Create(address, link));
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();

    private void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        if (!UdpPacket.IsIntact(datagram))
        {
            Interlocked.Increment(ref _corrupt);
            return;
        }

        switch (UdpPacket.TypeOf(datagram[0]))
        {
            case PacketType.Data or PacketType.Disconnect:
                if (_sessions.TryGetValue(from, out UdpLink? link))
                {
                    link.Receive(datagram);
                }
                else
                {
                    Interlocked.Increment(ref _unknownSession);
                }

                return;
            case PacketType.ConnectRequest when datagram.Length == UdpPacket.RequestBytes:
                OnRequest(datagram, from);
                return;
            case PacketType.ConnectResponse when datagram.Length == UdpPacket.ResponseBytes + UdpPacket.ChecksumBytes:
                OnResponse(datagram.Slice(1, UdpPacket.CookieBytes), BinaryPrimitives.ReadInt64LittleEndian(datagram[(1 + UdpPacket.CookieBytes)..]), from);
                return;
            default:
                Interlocked.Increment(ref _garbage);
                return;
        }
    }

    private void OnRequest(ReadOnlySpan<byte> request, SocketAddress from)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(request[1..]) != UdpPacket.Magic)
        {
            Interlocked.Increment(ref _garbage);
            return;
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(request[5..]);
        if (version != UdpPacket.Version)
        {
            // Smaller than the request it answers, as every answer to an address not yet proven.
            Reject(from, new DisconnectInfo(DisconnectReason.ProtocolMismatch, $"The client speaks Travelers UDP version {version}; the server speaks {UdpPacket.Version}."), UdpPacket.RequestBytes);
            return;
        }

        Span<byte> challenge = stackalloc byte[1 + UdpPacket.CookieBytes + UdpPacket.ChecksumBytes];
        challenge[0] = (byte)PacketType.Challenge;
        _cookies.Write(from, BinaryPrimitives.ReadInt64LittleEndian(request[UdpPacket.RequestAttemptOffset..]), challenge[1..]);
        Interlocked.Increment(ref _challenges);
        _socket.Send(challenge[..UdpPacket.Seal(challenge, 1 + UdpPacket.CookieBytes)], from);
    }

    private void OnResponse(ReadOnlySpan<byte> cookie, long attempt, SocketAddress from)
    {
        if (!_cookies.Verify(from, attempt, cookie)) // the attempt too: a response rewritten to claim a newer one fails
        {
            Interlocked.Increment(ref _garbage);
            return;
        }

        if (_sessions.TryGetValue(from, out UdpLink? existing))
        {
            if (attempt == existing.Attempt)
            {
                existing.Rewelcome(); // the welcome was lost: the same session, welcomed again
                return;
            }

            if (attempt < existing.Attempt)
            {
                Interlocked.Increment(ref _stale); // a late copy of an earlier client's response
                return;
            }

            // A newer client at the address (a process restarted behind a NAT that gave it the same port): the one the
            // session was made for is gone, and its session would hold the address until it timed out. The cookie
            // proved the new client receives here, as the old one's did.
            _sessions.TryRemove(KeyValuePair.Create(existing.Address!, existing));
            existing.Close(new DisconnectInfo(DisconnectReason.Timeout, "A newer client connected from the same address and port: this session's client is gone."), notifyPeer: false, abort: true);
            Interlocked.Increment(ref _replaced);
        }

        // The address is proven: from here the server may keep state for it and answer at length.
        var address = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(address.Buffer.Span);
        var remote = (IPEndPoint)new IPEndPoint(address.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(address);
        uint key = NewKey();
        Admission admission = _admit(address, remote, key);
        if (admission.Link is not { } link)
        {
            Reject(from, admission.Refusal, int.MaxValue);
            return;
        }

        link.Attempt = attempt;
        if (!_sessions.TryAdd(address, link))
        {
            link.Close(new DisconnectInfo(DisconnectReason.Refused, "A session for this address already exists."), notifyPeer: false, abort: true);
            return;
        }

        link.SendWelcome();
    }

    private void Reject(SocketAddress to, DisconnectInfo why, int maxBytes)
    {
        Interlocked.Increment(ref _rejected);
        var notice = new ArrayBufferWriter<byte>(64);
        notice.Write([(byte)PacketType.Reject]);
        Handshake.WriteNotice(notice, why.Reason, why.Message, Math.Min(maxBytes, 1200) - UdpPacket.ChecksumBytes - notice.WrittenCount);
        int length = Math.Min(notice.WrittenCount, Math.Min(maxBytes, 1200) - UdpPacket.ChecksumBytes); // never more than it was sent
        byte[] datagram = new byte[length + UdpPacket.ChecksumBytes];
        notice.WrittenSpan[..length].CopyTo(datagram);
        _socket.Send(datagram.AsSpan(0, UdpPacket.Seal(datagram, length)), to);
    }

    private static uint NewKey()
    {
        Span<byte> bytes = stackalloc byte[4];
        uint key;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            key = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        }
        while (key == 0);
        return key;
    }
}
