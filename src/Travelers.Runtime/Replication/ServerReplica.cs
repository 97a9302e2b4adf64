using System;
using System.Buffers.Binary;

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
        // Most clients acknowledged the same tick, so one encoding of (current state, baseline) serves them all:
        // kept, with the full state's, and copied bit for bit while neither changes.
        ref Encoded cached = ref baselineTick == 0 ? ref _full : ref _delta;
        if (cached.Bytes is null || cached.Changed != LastChangedTick || cached.Baseline != baselineTick)
        {
            cached.Bytes ??= new byte[CacheBytes + 4];
            var scratch = new BitWriter(cached.Bytes.AsSpan(0, CacheBytes));
            Encode(ref scratch, baselineTick);
            if (scratch.IsOverflowed)
            {
                cached.Bits = -1; // too large to keep: written directly
            }
            else
            {
                cached.Bits = scratch.BitsWritten;
                scratch.Flush();
            }

            cached.Changed = LastChangedTick;
            cached.Baseline = baselineTick;
        }

        if (cached.Bits < 0)
        {
            Encode(ref writer, baselineTick);
            return;
        }

        ReadOnlySpan<byte> bytes = cached.Bytes;
        int bits = cached.Bits;
        for (int at = 0; bits > 0; at += 4, bits -= 32)
        {
            writer.WriteBits(BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]), Math.Min(bits, 32));
        }

        if (baselineTick == 0)
        {
            FullBits = cached.Bits;
        }
        else
        {
            RecordBits = cached.Bits;
        }
    }

    private void Encode(ref BitWriter writer, uint baselineTick)
    {
        if (baselineTick == 0)
        {
            TState none = default;
            TSelf.WriteDelta(ref writer, in _current, in none);
        }
        else
        {
            TSelf.WriteDelta(ref writer, in _current, in StateAt(baselineTick));
        }
    }

    private const int CacheBytes = 128;

    private Encoded _full;
    private Encoded _delta;

    /// <summary>One encoding of the current state against a baseline.</summary>
    private struct Encoded
    {
        public byte[]? Bytes;
        public int Bits;
        public uint Changed;
        public uint Baseline;
    }
}
