using System;

namespace Travelers;

/// <summary>
/// Bounds on what a reader accepts and a writer produces. Every bound is checked before anything is
/// allocated. <see cref="Default"/> applies wherever no other limits are given.
/// </summary>
public sealed class NetLimits
{
    private static NetLimits s_default = new();

    private readonly int _maxStringBytes = 64 * 1024;
    private readonly int _maxCollectionCount = 65_536;
    private readonly int _maxMessageBytes = 512 * 1024;
    private readonly int _maxDepth = 32;

    /// <summary>The limits used when none are passed; settable once at start-up by a game that needs others.</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public static NetLimits Default
    {
        get => s_default;
        set => s_default = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Largest UTF-8 encoding of one string, in bytes. Default 65,536.</summary>
    public int MaxStringBytes { get => _maxStringBytes; init => _maxStringBytes = Positive(value, nameof(MaxStringBytes)); }

    /// <summary>Largest number of elements in one collection (and bytes in one byte array). Default 65,536.</summary>
    public int MaxCollectionCount { get => _maxCollectionCount; init => _maxCollectionCount = Positive(value, nameof(MaxCollectionCount)); }

    /// <summary>Largest serialized message, in bytes. Default 524,288 (512 KB).</summary>
    public int MaxMessageBytes { get => _maxMessageBytes; init => _maxMessageBytes = Positive(value, nameof(MaxMessageBytes)); }

    /// <summary>Deepest nesting of messages inside messages. Default 32.</summary>
    public int MaxDepth { get => _maxDepth; init => _maxDepth = Positive(value, nameof(MaxDepth)); }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"NetLimits.{name} must be greater than zero.");
}
