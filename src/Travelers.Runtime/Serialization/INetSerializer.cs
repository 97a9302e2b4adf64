namespace Travelers;

/// <summary>
/// A hand-written serializer for a type that the generator cannot see into. Named by
/// <see cref="NetSerializerAttribute"/>; generated code calls its static members directly.
/// </summary>
/// <typeparam name="T">The type it serializes.</typeparam>
public interface INetSerializer<T>
{
    /// <summary>Writes <paramref name="value"/>: at least one byte, whatever the value.</summary>
    /// <remarks>
    /// A collection's reader refuses a count larger than the bytes left could hold, counting each element of a
    /// custom-serialized type as at least one byte (so that a hostile count allocates nothing): a value written as
    /// nothing makes collections of it that the peer refuses.
    /// </remarks>
    static abstract void Write(ref NetWriter writer, in T value);

    /// <summary>Reads a value written by <see cref="Write"/>. Must fail through the reader (which throws
    /// <see cref="NetSerializationException"/>) on bad input.</summary>
    static abstract T Read(ref NetReader reader);
}
