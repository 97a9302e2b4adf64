using System;

namespace Travelers.Replication;

/// <summary>
/// A client's record of an entity of type <typeparamref name="TSelf"/>: the states received by tick (the
/// baselines the server's deltas start from) and the timeline of applied states that interpolation reads.
/// </summary>
internal sealed class ClientReplica<TSelf, TState> : ClientReplica
    where TSelf : NetEntity, INetEntity<TSelf, TState>
    where TState : struct
{
    private const int Samples = 32;

    private readonly TSelf _entity;
    private readonly ClientReplication _world;
    private readonly int _mask;
    private TState[] _history;
    private uint[] _ticks;
    private TState[] _samples = new TState[Samples];
    private long[] _times = new long[Samples];
    private bool _released;
    private int _sampleCount;
    private int _newest = -1;

    public ClientReplica(TSelf entity, NetEntityType type, ClientReplication world, int history)
        : base(entity, type)
    {
        _entity = entity;
        _world = world;
        _history = new TState[history];
        _ticks = new uint[history];
        _mask = history - 1;
    }

    public override void Release()
    {
        // Despawned: only its type is still needed, to read past late records about it.
        _released = true;
        _history = [];
        _ticks = [];
        _samples = [];
        _times = [];
        _sampleCount = 0;
        _newest = -1;
    }

    public override ReadResult Read(ref BitReader reader, uint tick, uint baselineTick, long serverTime, bool spawn)
    {
        if (_released)
        {
            // Read past against a stand-in baseline: a value it puts out of range says nothing of the record (see below).
            TState none = default;
            TSelf.ReadDelta(ref reader, in none, out _);
            return reader.IsOverrun || reader.IsInvalid ? ReadResult.Malformed : ReadResult.Ok;
        }

        bool known = baselineTick == 0 || _ticks[baselineTick & _mask] == baselineTick;
        TState baseline = known && baselineTick != 0 ? _history[baselineTick & _mask] : default;

        // The bits are read even against an unknown baseline: their layout does not depend on its values, so the
        // records after this one can still be read. Their values do: a quantized step relative to the stand-in baseline
        // can land out of range for a valid delta, which is no sign of a malformed record (ReadDelta still reads it whole).
        bool valid = TSelf.ReadDelta(ref reader, in baseline, out TState state);
        if (!known)
        {
            return reader.IsOverrun || reader.IsInvalid ? ReadResult.Malformed : ReadResult.UnknownBaseline;
        }

        if (!valid)
        {
            return ReadResult.Malformed;
        }

        // A delta equal to its baseline is a real update: a value changed and changed back before the client
        // acknowledged the change is sent as no change against the acknowledged state, and it undoes the change.
        _history[tick & _mask] = state;
        _ticks[tick & _mask] = tick;
        if (tick > LastTick)
        {
            LastTick = tick;
            TSelf.Apply(_entity, in state);
            AddSample(serverTime, in state);
        }

        return ReadResult.Ok;
    }

    private void AddSample(long time, in TState state)
    {
        // The entity was known unchanged up to the newest complete snapshot: hold its last state until then, so
        // interpolation towards the new state starts where the change did and does not smear over the pause.
        long confirmed = _world.ConfirmedTime;
        if (_newest >= 0 && _times[_newest] < confirmed && confirmed < time)
        {
            Push(confirmed, in _samples[_newest]);
        }

        Push(time, in state);
    }

    private void Push(long time, in TState state)
    {
        _newest = (_newest + 1) % Samples;
        _samples[_newest] = state;
        _times[_newest] = time;
        if (_sampleCount < Samples)
        {
            _sampleCount++;
        }
    }

    /// <summary>The state at the world's render time: between the samples around it, held after the newest while the server confirms nothing changed, extrapolated for a bounded time when the buffer runs dry.</summary>
    public bool TryInterpolate(out TState state)
    {
        if (_sampleCount == 0)
        {
            state = default;
            return false;
        }

        long render = _world.RenderTime.Ticks;
        int newest = _newest;
        if (render >= _times[newest])
        {
            if (_sampleCount == 1 || render <= _world.ConfirmedTime)
            {
                state = _samples[newest];
                return true;
            }

            int previous = (newest + Samples - 1) % Samples;
            long span = _times[newest] - _times[previous];
            long ahead = Math.Min(render - Math.Max(_times[newest], _world.ConfirmedTime), _world.MaxExtrapolationTicks);
            if (span <= 0 || ahead <= 0)
            {
                state = _samples[newest];
                return true;
            }

            // The change per send interval at the most: two ticks published back to back (a fixed-step game catching
            // up) are microseconds apart, and their change over that span would send the entity thousands of units off.
            state = TSelf.Interpolate(in _samples[previous], in _samples[newest], 1f + (float)ahead / Math.Max(span, _world.IntervalTicks));
            return true;
        }

        // Walk back from the newest sample to the one at or before the render time.
        int later = newest;
        for (int i = 1; i < _sampleCount; i++)
        {
            int earlier = (newest + Samples - i) % Samples;
            if (_times[earlier] <= render)
            {
                long span = _times[later] - _times[earlier];
                float t = span <= 0 ? 1f : (float)(render - _times[earlier]) / span;
                state = TSelf.Interpolate(in _samples[earlier], in _samples[later], t);
                return true;
            }

            later = earlier;
        }

        state = _samples[later]; // older than every sample: the oldest
        return true;
    }
}
