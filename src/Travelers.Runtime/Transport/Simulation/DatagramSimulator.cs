using System;
using System.Collections.Generic;
using System.Net;
using System.Numerics;
using System.Threading;

namespace Travelers.Transport.Simulation;

/// <summary>Receives a datagram that has crossed a <see cref="DatagramSimulator"/>.</summary>
/// <param name="datagram">The bytes, possibly corrupted; valid only during the call.</param>
/// <param name="address">The address given to <see cref="DatagramSimulator.Submit"/> (a copy); valid only during the call.</param>
internal delegate void DatagramSink(ReadOnlySpan<byte> datagram, SocketAddress? address);

/// <summary>
/// Applies <see cref="NetworkConditions"/> to a flow of datagrams: each submitted datagram is lost, or copied,
/// possibly corrupted and duplicated, held for its delay and then handed to the sink.
/// </summary>
/// <remarks>
/// <para>
/// Decisions come from one <see cref="Random"/> seeded with <see cref="NetworkConditions.Seed"/>, drawn under a
/// lock in submission order, a fixed number of draws per datagram whatever the outcome. So the same seed and the
/// same submissions give the same decisions, and turning one setting on does not change which datagrams another
/// picks. Delivery times follow the <see cref="TimeProvider"/>: with a fake clock a run repeats exactly; with the
/// system clock it differs by timer precision (about a millisecond).
/// </para>
/// <para>
/// Delivery runs on the caller of <see cref="Submit"/> when a datagram is due at once, otherwise on a timer of
/// the <see cref="TimeProvider"/> (a thread-pool thread for the system clock; the thread that advances a fake
/// clock). The simulator never calls the sink from two threads at once, except with perfect conditions, where
/// every datagram passes straight through on its submitter's thread. The sink must not throw: on the timer's
/// thread an exception would end the process.
/// </para>
/// <para>
/// Steady state allocates nothing: held datagrams live in arrays from the simulator's own size-classed free lists
/// (the shared array pool keeps only a few dozen arrays of a size per core, fewer than a simulated link holds in
/// flight) and in reused queue entries. Memory is bounded by <see cref="MaxHeldDatagrams"/> and
/// <see cref="MaxHeldBytes"/>; what does not fit is counted in <see cref="Overflowed"/>.
/// </para>
/// </remarks>
internal sealed class DatagramSimulator : IDisposable
{
    /// <summary>The most datagrams held at once.</summary>
    public const int MaxHeldDatagrams = 65_536;

    /// <summary>The most bytes held at once.</summary>
    public const long MaxHeldBytes = 64L * 1024 * 1024;

    // Size classes 64 B .. 64 KB; larger datagrams (only TCP chunks could be) get an exact array, never kept.
    private const int MinClassBytes = 64;
    private const int ClassCount = 11;
    private const long MaxFreeBytes = 16L * 1024 * 1024;

    private static readonly TimeSpan MinReorderSpan = TimeSpan.FromMilliseconds(20);

    private readonly object _gate = new();
    private readonly object _deliverGate = new();
    private readonly TimeProvider _time;
    private readonly DatagramSink _deliver;
    private readonly bool _passThrough;
    private readonly Random _random;
    private readonly ITimer? _timer;
    private readonly long _timerResolutionTicks;
    private readonly double _loss;
    private readonly double _duplicate;
    private readonly double _reorder;
    private readonly double _corrupt;

    // Durations in timestamp units of the TimeProvider.
    private readonly long _latency;
    private readonly long _jitter;
    private readonly long _reorderSpan;
    private readonly long _maxBacklog;
    private readonly double _timestampsPerByte;

    private readonly PriorityQueue<Entry, Key> _queue = new();
    private readonly Stack<Entry> _freeEntries = new();
    private readonly Stack<byte[]>[] _freeBuffers = new Stack<byte[]>[ClassCount];
    private long _freeBytes;
    private long _heldBytes;
    private long _sequence;
    private long _linkFreeAt;
    private long _timerDue = long.MaxValue;
    private int _deliverRequested;
    private bool _disposed;

    private long _submitted;
    private long _delivered;
    private long _dropped;
    private long _duplicated;
    private long _corrupted;
    private long _reordered;
    private long _overBandwidth;
    private long _overflowed;

    /// <param name="conditions">What to simulate; validated by the caller.</param>
    /// <param name="time">The clock for delays and the timer that delivers them.</param>
    /// <param name="deliver">Receives each datagram when due.</param>
    public DatagramSimulator(NetworkConditions conditions, TimeProvider time, DatagramSink deliver)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(deliver);

        _time = time;
        _deliver = deliver;
        _random = new Random(conditions.Seed);
        _passThrough = conditions.IsPerfect;
        _loss = conditions.Loss;
        _duplicate = conditions.Duplicate;
        _reorder = conditions.Reorder;
        _corrupt = conditions.Corrupt;
        _latency = ToTimestamp(conditions.Latency);
        _jitter = ToTimestamp(conditions.Jitter);
        _reorderSpan = ToTimestamp(conditions.Latency > MinReorderSpan ? conditions.Latency : MinReorderSpan);
        _maxBacklog = time.TimestampFrequency;
        _timestampsPerByte = conditions.BandwidthBytesPerSecond == 0 ? 0 : (double)time.TimestampFrequency / conditions.BandwidthBytesPerSecond;

        // System timers count whole milliseconds: asking for less makes them fire early, again and again.
        _timerResolutionTicks = ReferenceEquals(time, TimeProvider.System) ? TimeSpan.TicksPerMillisecond : 1;
        if (!_passThrough)
        {
            _timer = time.CreateTimer(static state => ((DatagramSimulator)state!).DeliverDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Datagrams submitted (before the simulator disposed).</summary>
    public long Submitted => Volatile.Read(ref _submitted);

    /// <summary>Datagrams handed to the sink, duplicates included.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Datagrams lost by <see cref="NetworkConditions.Loss"/>.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Extra copies made by <see cref="NetworkConditions.Duplicate"/>.</summary>
    public long Duplicated => Volatile.Read(ref _duplicated);

    /// <summary>Copies with a bit flipped by <see cref="NetworkConditions.Corrupt"/>.</summary>
    public long Corrupted => Volatile.Read(ref _corrupted);

    /// <summary>Copies held back by <see cref="NetworkConditions.Reorder"/>.</summary>
    public long Reordered => Volatile.Read(ref _reordered);

    /// <summary>Datagrams dropped because more than a second of <see cref="NetworkConditions.BandwidthBytesPerSecond"/> was queued before them.</summary>
    public long OverBandwidth => Volatile.Read(ref _overBandwidth);

    /// <summary>Copies dropped because <see cref="MaxHeldDatagrams"/> or <see cref="MaxHeldBytes"/> were held.</summary>
    public long Overflowed => Volatile.Read(ref _overflowed);

    /// <summary>Datagrams waiting for their time.</summary>
    internal int Held
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Simulates one datagram. Any thread; the bytes and the address are copied before this returns.</summary>
    /// <param name="datagram">The datagram; never modified.</param>
    /// <param name="address">Passed to the sink with the datagram (a copy: the caller may reuse its instance).</param>
    public void Submit(ReadOnlySpan<byte> datagram, SocketAddress? address)
    {
        if (_passThrough)
        {
            if (Volatile.Read(ref _disposed))
            {
                return;
            }

            Interlocked.Increment(ref _submitted);
            Interlocked.Increment(ref _delivered);
            _deliver(datagram, address);
            return;
        }

        bool dueNow;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _submitted++;
            dueNow = Schedule(datagram, address);
        }

        if (dueNow)
        {
            DeliverDue();
        }
    }

    /// <summary>
    /// Delivers, on this thread, every datagram due by the clock's current time, unless another thread is
    /// delivering (it then delivers them). The timer calls this; tests with a fake clock may too.
    /// </summary>
    /// <returns>The number of datagrams this call delivered.</returns>
    internal int DeliverDue()
    {
        int delivered = 0;

        // A call that finds the gate taken leaves a request: the thread inside looks again after leaving. The head
        // being due does not cover a timer that fired early (system timers round), which arrives with nothing due
        // yet; leaving then would leave the timer disarmed, and the held datagrams waiting for another submission.
        Interlocked.Exchange(ref _deliverRequested, 1);
        while (Monitor.TryEnter(_deliverGate))
        {
            try
            {
                Interlocked.Exchange(ref _deliverRequested, 0);
                delivered += DeliverDueExclusive();
            }
            catch
            {
                // Whatever is still due must not wait for a timer nobody armed.
                lock (_gate)
                {
                    ArmForHead(_time.GetTimestamp(), force: true);
                }

                throw;
            }
            finally
            {
                Monitor.Exit(_deliverGate);
            }

            // A submitter, or a timer, that found the gate taken left its datagram or its firing to us: look once
            // more after leaving (the read is a full fence, ordered after the exit).
            if (Interlocked.CompareExchange(ref _deliverRequested, 0, 0) == 0 && !HeadIsDue())
            {
                break;
            }
        }

        return delivered;
    }

    /// <summary>Stops delivery and lets the held datagrams go. Datagrams submitted afterwards are ignored.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _disposed, true);
            _queue.Clear();
            _freeEntries.Clear();
            Array.Clear(_freeBuffers);
            _heldBytes = 0;
            _freeBytes = 0;
        }

        _timer?.Dispose();
    }

    /// <summary>Draws the datagram's fate and queues its copies. Under <see cref="_gate"/>.</summary>
    /// <returns>True when a copy is due now.</returns>
    private bool Schedule(ReadOnlySpan<byte> datagram, SocketAddress? address)
    {
        long now = _time.GetTimestamp();

        // Every draw is made whatever the outcome, so each datagram consumes the same numbers.
        bool lost = _random.NextDouble() < _loss;
        bool duplicated = _random.NextDouble() < _duplicate;
        Fate first = DrawFate(datagram.Length);
        Fate second = DrawFate(datagram.Length);

        long departure = now;
        if (_timestampsPerByte > 0)
        {
            // The link sends one datagram after another; a second's backlog is as much as a router would queue.
            long start = Math.Max(now, _linkFreeAt);
            if (start - now > _maxBacklog)
            {
                _overBandwidth++;
                return false;
            }

            departure = start + (long)Math.Ceiling(datagram.Length * _timestampsPerByte);
            _linkFreeAt = departure;
        }

        if (lost)
        {
            _dropped++;
            return false;
        }

        bool dueNow = Enqueue(datagram, address, departure, first, now);
        if (duplicated)
        {
            _duplicated++;
            dueNow |= Enqueue(datagram, address, departure, second, now);
        }

        return dueNow;
    }

    private Fate DrawFate(int length)
    {
        double jitter = _random.NextDouble();
        double reorderRoll = _random.NextDouble();
        double reorderExtra = _random.NextDouble();
        double corruptRoll = _random.NextDouble();
        double bit = _random.NextDouble();

        long delay = _latency + (long)(((jitter * 2) - 1) * _jitter);
        bool reordered = reorderRoll < _reorder;
        if (reordered)
        {
            delay += (long)(_reorderSpan * (0.5 + reorderExtra));
        }

        int flip = corruptRoll < _corrupt && length > 0 ? Math.Min((int)(bit * length * 8), (length * 8) - 1) : -1;
        return new Fate(Math.Max(0, delay), reordered, flip);
    }

    /// <returns>True when the copy is due now.</returns>
    private bool Enqueue(ReadOnlySpan<byte> datagram, SocketAddress? address, long departure, Fate fate, long now)
    {
        if (_queue.Count >= MaxHeldDatagrams || _heldBytes + datagram.Length > MaxHeldBytes)
        {
            _overflowed++;
            return false;
        }

        Entry entry = _freeEntries.Count > 0 ? _freeEntries.Pop() : new Entry();
        entry.Buffer = RentBuffer(datagram.Length);
        entry.Length = datagram.Length;
        datagram.CopyTo(entry.Buffer);
        entry.SetAddress(address);
        if (fate.FlipBit >= 0)
        {
            entry.Buffer[fate.FlipBit >> 3] ^= (byte)(1 << (fate.FlipBit & 7));
            _corrupted++;
        }

        if (fate.Reordered)
        {
            _reordered++;
        }

        long due = departure + fate.Delay;
        _queue.Enqueue(entry, new Key(due, _sequence++));
        _heldBytes += datagram.Length;
        if (due <= now)
        {
            return true;
        }

        if (due < _timerDue)
        {
            Arm(due, now);
        }

        return false;
    }

    /// <summary>Delivers what is due. Under <see cref="_deliverGate"/>, never under <see cref="_gate"/>.</summary>
    private int DeliverDueExclusive()
    {
        int delivered = 0;
        while (true)
        {
            Entry? entry;
            lock (_gate)
            {
                if (_disposed)
                {
                    return delivered;
                }

                long now = _time.GetTimestamp();
                if (!_queue.TryPeek(out entry, out Key key) || key.Due > now)
                {
                    ArmForHead(now, force: true);
                    return delivered;
                }

                _queue.Dequeue();
            }

            try
            {
                _deliver(new ReadOnlySpan<byte>(entry.Buffer, 0, entry.Length), entry.HasAddress ? entry.Address : null);
            }
            finally
            {
                lock (_gate)
                {
                    Release(entry);
                }
            }

            delivered++;
            Interlocked.Increment(ref _delivered);
        }
    }

    private bool HeadIsDue()
    {
        lock (_gate)
        {
            return !_disposed && _queue.TryPeek(out _, out Key key) && key.Due <= _time.GetTimestamp();
        }
    }

    /// <summary>Points the timer at the earliest held datagram. Under <see cref="_gate"/>.</summary>
    private void ArmForHead(long now, bool force)
    {
        if (_disposed || !_queue.TryPeek(out _, out Key key))
        {
            _timerDue = long.MaxValue;
            return;
        }

        // Forced: the timer may have fired early (system timers round), so its due time says nothing.
        if (force || key.Due < _timerDue)
        {
            Arm(key.Due, now);
        }
    }

    /// <summary>Under <see cref="_gate"/>. Never asks for a zero delay: a fake clock would fire inline, under the lock.</summary>
    private void Arm(long due, long now)
    {
        _timerDue = due;
        long ticks = (long)Math.Ceiling(Math.Max(due - now, 1) * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency);
        ticks = Math.Max(_timerResolutionTicks, (ticks + _timerResolutionTicks - 1) / _timerResolutionTicks * _timerResolutionTicks);
        _timer!.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private void Release(Entry entry)
    {
        byte[] buffer = entry.Buffer;
        entry.Buffer = [];
        if (_disposed)
        {
            return;
        }

        _heldBytes -= entry.Length;
        ReturnBuffer(buffer);
        _freeEntries.Push(entry);
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private byte[] RentBuffer(int length)
    {
        int sizeClass = SizeClass(length);
        if (sizeClass >= ClassCount)
        {
            return new byte[length];
        }

        Stack<byte[]>? free = _freeBuffers[sizeClass];
        if (free is not null && free.Count > 0)
        {
            byte[] buffer = free.Pop();
            _freeBytes -= buffer.Length;
            return buffer;
        }

        return new byte[MinClassBytes << sizeClass];
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private void ReturnBuffer(byte[] buffer)
    {
        int sizeClass = SizeClass(buffer.Length);
        if (sizeClass >= ClassCount || buffer.Length != MinClassBytes << sizeClass || _freeBytes + buffer.Length > MaxFreeBytes)
        {
            return;
        }

        (_freeBuffers[sizeClass] ??= new Stack<byte[]>()).Push(buffer);
        _freeBytes += buffer.Length;
    }

    private static int SizeClass(int length) =>
        length <= MinClassBytes ? 0 : BitOperations.Log2((uint)length - 1) + 1 - BitOperations.Log2(MinClassBytes);

    private long ToTimestamp(TimeSpan duration) =>
        (long)Math.Round(duration.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);

    /// <summary>A copy's delay (timestamp units), whether it was held back, and the bit to flip (-1 for none).</summary>
    private readonly record struct Fate(long Delay, bool Reordered, int FlipBit);

    /// <summary>Due time, then submission order: copies due together leave in the order they came.</summary>
    private readonly record struct Key(long Due, long Sequence) : IComparable<Key>
    {
        public int CompareTo(Key other)
        {
            int byDue = Due.CompareTo(other.Due);
            return byDue != 0 ? byDue : Sequence.CompareTo(other.Sequence);
        }
    }

    /// <summary>A held copy; reused, with its address storage.</summary>
    private sealed class Entry
    {
        public byte[] Buffer { get; set; } = [];

        public int Length { get; set; }

        public SocketAddress? Address { get; private set; }

        public bool HasAddress { get; private set; }

        public void SetAddress(SocketAddress? address)
        {
            if (address is null)
            {
                HasAddress = false;
                return;
            }

            // Exactly the source's size: SocketAddress.Equals compares whole buffers. One family, one size: reused.
            if (Address is null || Address.Buffer.Length != address.Size)
            {
                Address = new SocketAddress(address.Family, address.Size);
            }

            address.Buffer.Span[..address.Size].CopyTo(Address.Buffer.Span);
            Address.Size = address.Size;
            HasAddress = true;
        }
    }
}
