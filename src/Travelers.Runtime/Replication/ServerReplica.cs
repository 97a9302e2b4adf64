namespace Travelers.Replication;

/// <summary>The server's record of an entity of type <typeparamref name="TSelf"/>: the captured state and a ring of the recent ticks' states.</summary>
internal sealed class ServerReplica<TSelf, TState> : ServerReplica
    where TSelf : NetEntity, INetEntity<TSelf, TState>
    where TState : struct
{
    private readonly TSelf _entity;
    private readonly TState[] _history;
    private readonly uint[] _ticks;
    private readonly int _mask;
    private TState _current;
    private TState _previous;
    private uint _previousChangedTick;
    private bool _captured;

    public ServerReplica(TSelf entity, NetEntityType type, int history)
        : base(entity, type)
    {
        _entity = entity;
        _history = new TState[history];
        _ticks = new uint[history];
        _mask = history - 1;
    }

    public override int Capture(uint tick)
    {
        int clamped = 0;

        // Properties mark the entity changed as they are set; fields can only be compared.
        if (!_captured || _entity.Changed || TSelf.HasReplicatedFields)
        {
            _entity.Changed = false;
            clamped = TSelf.Capture(_entity, out TState state);
            if (!_captured)
            {
                _current = _previous = state;
                LastChangedTick = _previousChangedTick = tick;
                _captured = true;
            }
            else if (!TSelf.StatesEqual(in state, in _current))
            {
                // The state before this change stays known for as long as it held: an entity that rested for
                // minutes is sent as a delta from its resting state, not in full.
                _previous = _current;
                _previousChangedTick = LastChangedTick;
                _current = state;
                LastChangedTick = tick;
            }
        }

        _history[tick & _mask] = _current;
        _ticks[tick & _mask] = tick;
        return clamped;
    }

    public override bool HasState(uint tick) => tick != 0 && (_ticks[tick & _mask] == tick || tick >= _previousChangedTick);

    private ref TState StateAt(uint tick)
    {
        if (tick >= LastChangedTick)
        {
            return ref _current;
        }

        if (tick >= _previousChangedTick)
        {
            return ref _previous;
        }

        return ref _history[tick & _mask];
    }

    public override void WriteState(ref BitWriter writer, uint baselineTick)
    {
        int start = writer.BitsWritten;
        if (baselineTick == 0)
        {
            TState none = default;
            TSelf.WriteDelta(ref writer, in _current, in none);
            FullBits = writer.BitsWritten - start;
        }
        else
        {
            TSelf.WriteDelta(ref writer, in _current, in StateAt(baselineTick));
            RecordBits = writer.BitsWritten - start;
        }
    }
}
