using System;
using System.Threading;

namespace Travelers;

/// <summary>
/// Smoothed round-trip time and its variation, per RFC 6298 (alpha 1/8, beta 1/4, K 4), and the
/// retransmission timeout derived from them. One estimator serves both transports: TCP feeds it from
/// heartbeats, UDP from acks. Samples come from I/O threads and reads from the game's, hence the lock.
/// </summary>
internal sealed class RttEstimator
{
    private readonly object _gate = new();
    private readonly TimeSpan _minRto;
    private readonly TimeSpan _maxRto;
    private TimeSpan _srtt;
    private TimeSpan _rttvar;
    private TimeSpan _rto;
    private bool _hasSample;

    /// <param name="initialRto">The timeout before any sample (RFC 6298 says 1 s).</param>
    /// <param name="minRto">The floor of the timeout (RFC 6298 says 1 s; real-time games use far less).</param>
    /// <param name="maxRto">The ceiling of the timeout.</param>
    public RttEstimator(TimeSpan initialRto, TimeSpan minRto, TimeSpan maxRto)
    {
        _minRto = minRto;
        _maxRto = maxRto;
        _rto = initialRto;
    }

    /// <summary>The smoothed round-trip time; zero before the first sample.</summary>
    public TimeSpan Smoothed
    {
        get
        {
            lock (_gate)
            {
                return _srtt;
            }
        }
    }

    /// <summary>The round-trip time's variation (RTTVAR).</summary>
    public TimeSpan Variation
    {
        get
        {
            lock (_gate)
            {
                return _rttvar;
            }
        }
    }

    /// <summary>The retransmission timeout: SRTT + max(1 ms, 4 RTTVAR), clamped.</summary>
    public TimeSpan Rto
    {
        get
        {
            lock (_gate)
            {
                return _rto;
            }
        }
    }

    /// <summary>Adds a measured round trip.</summary>
    /// <param name="sample">The measured time; negative samples (a clock that went back) are ignored.</param>
    public void Add(TimeSpan sample)
    {
        if (sample < TimeSpan.Zero)
        {
            return;
        }

        // Longer than any timeout is as good as lost; capping keeps the arithmetic far from overflow.
        sample = sample > _maxRto ? _maxRto : sample;

        lock (_gate)
        {
            if (!_hasSample)
            {
                _srtt = sample;
                _rttvar = sample / 2;
                _hasSample = true;
            }
            else
            {
                TimeSpan error = (_srtt - sample).Duration();
                _rttvar = (_rttvar * 3 / 4) + (error / 4);
                _srtt = (_srtt * 7 / 8) + (sample / 8);
            }

            TimeSpan rto = _srtt + TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (_rttvar * 4).Ticks));
            _rto = rto < _minRto ? _minRto : rto > _maxRto ? _maxRto : rto;
        }
    }

    /// <summary>Doubles the timeout after a retransmission timer fired (RFC 6298 5.5), up to the ceiling.</summary>
    public void BackOff()
    {
        lock (_gate)
        {
            TimeSpan doubled = _rto * 2;
            _rto = doubled > _maxRto ? _maxRto : doubled;
        }
    }
}
