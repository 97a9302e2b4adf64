using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Travelers.Transport.Simulation;

/// <summary>
/// Applies the latency and the bandwidth cap of <see cref="NetworkConditions"/> to one direction of a byte stream
/// (TCP), in order: bytes go on no earlier than <see cref="NetworkConditions.Latency"/> after they entered the
/// stream, and no faster than <see cref="NetworkConditions.BandwidthBytesPerSecond"/>. Nothing is lost, duplicated,
/// reordered or corrupted, and there is no jitter: a stream cannot do those (TCP repairs them, as a delay the
/// latency stands for).
/// </summary>
/// <remarks>
/// One producer (<see cref="Mark"/>: a flush of the output, a read from the socket) and one consumer
/// (<see cref="TakeAsync"/>: the send loop, the frame loop). The consumer holds the bytes while it waits, so the
/// stream's own bounds (the unsent cap, the input pipe's pause) apply to what is held.
/// </remarks>
internal sealed class StreamShaper
{
    /// <summary>The most bytes taken at once under a bandwidth cap: about 20 ms of it, at least 1 KB.</summary>
    private readonly long _chunk;

    private readonly TimeProvider _time;
    private readonly long _latency;
    private readonly double _timestampsPerByte;
    private readonly Queue<(long End, long At)> _marks = new();
    private readonly object _gate = new();
    private long _marked;
    private long _taken;
    private long _freeAt;

    public StreamShaper(NetworkConditions conditions, TimeProvider time)
    {
        _time = time;
        _latency = conditions.Latency.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond; // at most a minute: no overflow
        long rate = conditions.BandwidthBytesPerSecond;
        _timestampsPerByte = rate > 0 ? (double)time.TimestampFrequency / rate : 0;
        _chunk = rate > 0 ? Math.Max(1024, rate / 50) : long.MaxValue;
    }

    /// <summary>Whether <paramref name="conditions"/> delay a stream at all.</summary>
    public static bool Shapes(NetworkConditions? conditions) =>
        conditions is not null && (conditions.Latency > TimeSpan.Zero || conditions.BandwidthBytesPerSecond > 0);

    /// <summary>The producer: <paramref name="bytes"/> more bytes entered the stream now.</summary>
    public void Mark(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        long now = _time.GetTimestamp();
        lock (_gate)
        {
            _marked += bytes;
            _marks.Enqueue((_marked, now));
        }
    }

    /// <summary>
    /// The consumer: waits until the stream's next bytes may go on, and takes them: at most
    /// <paramref name="available"/>, and only bytes that entered the stream together (and, under a bandwidth cap,
    /// about 20 ms of it). Returns how many were taken (at least one when <paramref name="available"/> is positive).
    /// </summary>
    public async ValueTask<long> TakeAsync(long available, CancellationToken cancellationToken)
    {
        if (available <= 0)
        {
            return 0;
        }

        long at;
        long end;
        lock (_gate)
        {
            while (_marks.Count > 0 && _marks.Peek().End <= _taken)
            {
                _marks.Dequeue();
            }

            // Bytes are marked before they can be read, so a mark covers them; were one missing, they entered now.
            (end, at) = _marks.Count > 0 ? _marks.Peek() : (_taken + available, _time.GetTimestamp());
        }

        long count = Math.Min(Math.Min(available, end - _taken), _chunk);

        // Sent one after another at the link's rate, from when they entered the stream; then the latency.
        long sent = at;
        if (_timestampsPerByte > 0)
        {
            sent = Math.Max(_freeAt, at) + (long)Math.Ceiling(count * _timestampsPerByte);
            _freeAt = sent;
        }

        long wait = sent + _latency - _time.GetTimestamp();
        if (wait > 0)
        {
            // Rounded up: never before its time.
            var delay = TimeSpan.FromTicks((long)Math.Ceiling(wait * ((double)TimeSpan.TicksPerSecond / _time.TimestampFrequency)));
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }

        _taken += count;
        return count;
    }
}
