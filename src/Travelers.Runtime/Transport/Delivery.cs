namespace Travelers;

/// <summary>
/// How a message is delivered. Over TCP every mode is delivered reliably and in order on one stream (the
/// stream cannot do less); over UDP each mode keeps exactly its promise, per channel.
/// </summary>
public enum Delivery : byte
{
    /// <summary>May be lost, duplicated-free, in any order. For data the next tick replaces.</summary>
    Unreliable = 0,

    /// <summary>May be lost; never delivered after a newer message of the same channel.</summary>
    UnreliableSequenced = 1,

    /// <summary>Delivered exactly once, in any order.</summary>
    ReliableUnordered = 2,

    /// <summary>Delivered exactly once, in the order sent on its channel. The default.</summary>
    ReliableOrdered = 3,
}
