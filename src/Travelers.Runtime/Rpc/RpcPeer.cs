using System;
using System.Collections.Generic;
using System.Threading;

namespace Travelers.Rpc;

/// <summary>What RPC keeps per connection, on the polling thread: the rate buckets, which refusals were logged, and the token of its calls (any thread).</summary>
internal sealed class RpcPeer
{
    /// <summary>Calls a connection may send that cannot be read (a header cut short, an RPC index past the table, arguments the serializer refuses) before it is cut off.</summary>
    public const int UnreadableBurst = 100;

    /// <summary>Such calls allowed a second once the burst is spent.</summary>
    public const int UnreadablePerSecond = 10;

    private readonly int _rpcs;
    private double _unreadableTokens = UnreadableBurst;
    private long _unreadableStamp;
    private double[]? _tokens;
    private long[]? _stamps;
    private bool[]? _started;
    private HashSet<int>? _logged;
    private HashSet<RpcInfo>? _failed;
    private readonly object _gate = new(); // the token: asked for on any thread (a method after an await), closed in Poll()
    private CancellationTokenSource? _closing;
    private bool _closed;

    public RpcPeer(int rpcs) => _rpcs = rpcs;

    /// <summary>Cancelled when the connection closes: the token of the calls it made.</summary>
    public CancellationToken Closing
    {
        get
        {
            lock (_gate)
            {
                // Unlocked, a token made just as Close() ran would never be cancelled.
                return _closed ? new CancellationToken(canceled: true) : (_closing ??= new CancellationTokenSource()).Token;
            }
        }
    }

    /// <summary>
    /// Takes a token from the bucket of <paramref name="rpc"/>: it holds at most <paramref name="perSecond"/> tokens
    /// (full at first) and gains <paramref name="perSecond"/> a second.
    /// </summary>
    public bool TryTake(int rpc, int perSecond, long now, long frequency)
    {
        _tokens ??= new double[_rpcs];
        _stamps ??= new long[_rpcs];
        _started ??= new bool[_rpcs];
        if (!_started[rpc])
        {
            // Marked apart from the stamp: a clock may read 0 (a game's own TimeProvider), and a stamp of 0 taken for
            // "never used" filled the bucket again on every call at that time.
            _started[rpc] = true;
            _tokens[rpc] = perSecond; // full at first
            _stamps[rpc] = now;
        }

        return Take(ref _tokens[rpc], ref _stamps[rpc], perSecond, perSecond, now, frequency);
    }

    /// <summary>
    /// Takes a token from the allowance of calls that cannot be read: <see cref="UnreadableBurst"/>, then
    /// <see cref="UnreadablePerSecond"/>. A correct client sends none (its table is the server's), but each costs
    /// the server an exception, so a flood of them is cut off rather than refused one by one.
    /// </summary>
    public bool TakeUnreadable(long now, long frequency)
    {
        if (_unreadableStamp == 0)
        {
            _unreadableStamp = now;
        }

        return Take(ref _unreadableTokens, ref _unreadableStamp, UnreadableBurst, UnreadablePerSecond, now, frequency);
    }

    /// <summary>A token bucket holding at most <paramref name="capacity"/> tokens and gaining <paramref name="perSecond"/> a second.</summary>
    private static bool Take(ref double tokens, ref long stamp, int capacity, int perSecond, long now, long frequency)
    {
        if (now > stamp)
        {
            // Seconds first: ticks times the rate overflowed a long after a day or so idle (at 100,000 a second).
            tokens = Math.Min(capacity, tokens + ((now - stamp) / (double)frequency * perSecond));
            stamp = now;
        }

        // A clock that went back gives nothing, and takes nothing.
        if (tokens < 1)
        {
            return false;
        }

        tokens--;
        return true;
    }

    /// <summary>Whether this is the first refusal of <paramref name="rpc"/> (-1: a call of no known RPC) on this connection: only that one is logged.</summary>
    public bool FirstRefusal(int rpc) => (_logged ??= new HashSet<int>()).Add(rpc);

    /// <summary>
    /// Whether this is the first time <paramref name="rpc"/> threw for this connection: only that failure is logged
    /// at Error (a client able to make a method throw could otherwise flood the log). Any thread: a method that
    /// awaited fails where it resumed.
    /// </summary>
    public bool FirstFailure(RpcInfo rpc)
    {
        lock (_gate)
        {
            return (_failed ??= new HashSet<RpcInfo>()).Add(rpc);
        }
    }

    /// <summary>The connection closed: calls still running see their token cancelled.</summary>
    /// <returns>
    /// What the token's callbacks threw, every one of them having run, or null. Returned, not thrown: they are the
    /// game's code, run on whichever thread closes the connection, and must not cut its close short.
    /// </returns>
    public AggregateException? Close()
    {
        CancellationTokenSource? closing;
        lock (_gate)
        {
            _closed = true;
            closing = _closing;
        }

        try
        {
            closing?.Cancel(); // outside the lock: it runs the token's callbacks, user code
            return null;
        }
        catch (AggregateException thrown)
        {
            return thrown;
        }
    }
}
