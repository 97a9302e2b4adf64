using System;
using System.Collections.Generic;
using System.Threading;

namespace Travelers.Rpc;

/// <summary>What RPC keeps per connection, on the polling thread: the rate buckets, which refusals were logged, and the token of its calls (any thread).</summary>
internal sealed class RpcPeer
{
    private readonly int _rpcs;
    private double[]? _tokens;
    private long[]? _stamps;
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
        long stamp = _stamps[rpc];
        double tokens;
        if (stamp == 0)
        {
            tokens = perSecond;
            _stamps[rpc] = now;
        }
        else if (now > stamp)
        {
            // Seconds first: ticks times the rate overflowed a long after a day or so idle (at 100,000 a second).
            tokens = Math.Min(perSecond, _tokens[rpc] + ((now - stamp) / (double)frequency * perSecond));
            _stamps[rpc] = now;
        }
        else
        {
            tokens = _tokens[rpc]; // a clock that went back gives nothing, and takes nothing
        }

        if (tokens < 1)
        {
            _tokens[rpc] = tokens;
            return false;
        }

        _tokens[rpc] = tokens - 1;
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
