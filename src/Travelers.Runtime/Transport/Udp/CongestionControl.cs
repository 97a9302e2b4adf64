using System;

namespace Travelers.Transport.Udp;

/// <summary>
/// AIMD congestion control over the bytes of reliable units in flight, with a pacing budget. Slow start doubles
/// the window each round trip up to the threshold, then it grows by one datagram per window acknowledged; a loss
/// halves it (at most once a round trip, so one burst counts once) down to a floor of <see cref="MinWindowPackets"/>
/// datagrams. Pacing: reliable data is sent against a token budget refilled at twice the window per smoothed
/// round trip, so a window's worth is spread instead of sent in one burst. Unreliable units are not held back
/// (the game decides their rate; replication has its own budget). Guarded by the link's lock.
/// </summary>
internal sealed class CongestionControl
{
    /// <summary>The window never shrinks below this many datagrams: random loss on a lossy link is not congestion.</summary>
    public const int MinWindowPackets = 16;

    private readonly int _mtu;
    private readonly long _maxWindow;
    private long _threshold = long.MaxValue;
    private long _lastReduction;
    private bool _reduced; // a flag, not a sentinel time: now minus long.MinValue overflows and never cut the window
    private double _tokens;
    private long _lastRefill;

    public CongestionControl(int mtu, long maxWindow, long now)
    {
        _mtu = mtu;
        _maxWindow = Math.Max(maxWindow, MinWindowPackets * (long)mtu);
        Window = 32L * mtu;
        _tokens = Window;
        _lastRefill = now;
    }

    /// <summary>The congestion window, in bytes.</summary>
    public long Window { get; private set; }

    /// <summary>Reliable bytes sent and neither acknowledged nor declared lost.</summary>
    public long InFlight { get; private set; }

    /// <summary>Times the window was cut.</summary>
    public long Reductions { get; private set; }

    /// <summary>Whether <paramref name="bytes"/> more reliable bytes may go now.</summary>
    public bool CanSend(int bytes, long now, long srttTicks)
    {
        Refill(now, srttTicks);
        return InFlight + bytes <= Window && _tokens >= bytes;
    }

    public void OnSent(int bytes)
    {
        InFlight += bytes;
        _tokens -= bytes;
    }

    public void OnAcknowledged(int bytes)
    {
        InFlight = Math.Max(0, InFlight - bytes);
        Window = Window < _threshold
            ? Window + bytes
            : Window + Math.Max(1, (long)_mtu * bytes / Window);
        Window = Math.Min(Window, _maxWindow);
    }

    public void OnLost(int bytes, long now, long srttTicks)
    {
        InFlight = Math.Max(0, InFlight - bytes);
        if (_reduced && now - _lastReduction < srttTicks)
        {
            return;
        }

        _reduced = true;
        _lastReduction = now;
        Window = Math.Max(Window / 2, MinWindowPackets * (long)_mtu);
        _threshold = Window;
        Reductions++;
    }

    private void Refill(long now, long srttTicks)
    {
        long elapsed = now - _lastRefill;
        if (elapsed <= 0)
        {
            return;
        }

        _lastRefill = now;
        double rate = 2.0 * Window / Math.Max(srttTicks, 1);
        _tokens = Math.Min(_tokens + (rate * elapsed), Window / 2); // the window is at least 16 datagrams: bursts of 8
    }
}
