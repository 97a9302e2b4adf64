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
            if (!_captured || !TSelf.StatesEqual(in state, in _current))
            {
                _current = state;
                LastChangedTick = tick;
                _captured = true;
            }
        }

        _history[tick & _mask] = _current;
        _ticks[tick & _mask] = tick;
        return clamped;
    }

    public override bool HasState(uint tick) => tick != 0 && _ticks[tick & _mask] == tick;

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
            TSelf.WriteDelta(ref writer, in _current, in _history[baselineTick & _mask]);
            RecordBits = writer.BitsWritten - start;
        }
    }
}
