using System;

namespace Travelers;

/// <summary>
/// A replicated entity's id, the same on the server and every client. The low 20 bits are a slot, the high 12
/// a generation: a slot is used again only once every client has let go of its last entity, and then with
/// the next generation, so an id is never reused while any client may still hold it.
/// </summary>
/// <param name="Value">The raw value; 0 is no entity.</param>
public readonly record struct NetId(uint Value)
{
    /// <summary>Bits of the slot.</summary>
    public const int SlotBits = 20;

    /// <summary>Bits of the generation.</summary>
    public const int GenerationBits = 32 - SlotBits;

    /// <summary>No entity.</summary>
    public static NetId None => default;

    /// <summary>The slot (server and client index their tables with it).</summary>
    public int Slot => (int)(Value & ((1u << SlotBits) - 1));

    /// <summary>The generation of the slot.</summary>
    public int Generation => (int)(Value >> SlotBits);

    /// <summary>Whether this is an entity's id rather than <see cref="None"/>.</summary>
    public bool IsValid => Value != 0;

    /// <summary>The id of <paramref name="slot"/> in <paramref name="generation"/>.</summary>
    internal static NetId Of(int slot, int generation) => new(((uint)generation << SlotBits) | (uint)slot);

    /// <inheritdoc/>
    public override string ToString() => IsValid ? $"#{Slot}.{Generation}" : "#none";
}
