using System;
using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Travelers.Transport.Udp;

/// <summary>
/// Stateless connect cookies: the issue time (in seconds of the server's clock) and an HMAC-SHA256 of the
/// client's address, its attempt and that time under a secret key, truncated to 16 bytes. The attempt is bound in so
/// that a response cannot be rewritten to claim a newer one (which would end the address's session). The server keeps no state for a
/// client until it echoes a valid cookie, which proves it receives at the address it claims. The key rotates
/// every <see cref="Rotation"/>; cookies made under the previous key still verify, so a cookie lives between
/// one and two rotations. Thread-safe.
/// </summary>
internal sealed class ConnectCookie
{
    /// <summary>How often the secret changes.</summary>
    public static readonly TimeSpan Rotation = TimeSpan.FromSeconds(15);

    private readonly TimeProvider _time;
    private readonly long _epoch;
    private readonly object _gate = new();
    private byte[] _current = RandomNumberGenerator.GetBytes(32);
    private byte[] _previous = RandomNumberGenerator.GetBytes(32);
    private long _rotatedAt;

    public ConnectCookie(TimeProvider time)
    {
        _time = time;
        _epoch = time.GetTimestamp();
    }

    /// <summary>Writes a cookie for <paramref name="address"/> and its <paramref name="attempt"/> into <paramref name="destination"/> (<see cref="UdpPacket.CookieBytes"/> bytes).</summary>
    public void Write(SocketAddress address, long attempt, Span<byte> destination)
    {
        uint issued = Now();
        BinaryPrimitives.WriteUInt32LittleEndian(destination, issued);
        Sign(Keys().Current, address, attempt, issued, destination.Slice(4, 16));
    }

    /// <summary>Whether <paramref name="cookie"/> was made for <paramref name="address"/> and <paramref name="attempt"/> by this server within the last two rotations.</summary>
    public bool Verify(SocketAddress address, long attempt, ReadOnlySpan<byte> cookie)
    {
        if (cookie.Length != UdpPacket.CookieBytes)
        {
            return false;
        }

        uint issued = BinaryPrimitives.ReadUInt32LittleEndian(cookie);
        uint now = Now();
        if (issued > now || now - issued > 2 * Rotation.TotalSeconds)
        {
            return false;
        }

        (byte[] current, byte[] previous) = Keys();
        Span<byte> expected = stackalloc byte[16];
        Sign(current, address, attempt, issued, expected);
        if (CryptographicOperations.FixedTimeEquals(expected, cookie.Slice(4, 16)))
        {
            return true;
        }

        Sign(previous, address, attempt, issued, expected);
        return CryptographicOperations.FixedTimeEquals(expected, cookie.Slice(4, 16));
    }

    private uint Now() => (uint)_time.GetElapsedTime(_epoch).TotalSeconds;

    private (byte[] Current, byte[] Previous) Keys()
    {
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_rotatedAt == 0 ? _epoch : _rotatedAt, now) >= Rotation)
            {
                _previous = _current;
                _current = RandomNumberGenerator.GetBytes(32);
                _rotatedAt = now;
            }

            return (_current, _previous);
        }
    }

    private static void Sign(byte[] key, SocketAddress address, long attempt, uint issued, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[address.Size + 8 + 4];
        address.Buffer.Span[..address.Size].CopyTo(input);
        BinaryPrimitives.WriteInt64LittleEndian(input[address.Size..], attempt);
        BinaryPrimitives.WriteUInt32LittleEndian(input[(address.Size + 8)..], issued);
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(key, input, hash);
        hash[..16].CopyTo(destination);
    }
}
