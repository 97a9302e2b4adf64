using System;

namespace Travelers;

/// <summary>
/// Marks a partial class, struct or record as a network message. The Travelers source generator
/// writes its serializer; the type then implements <see cref="INetMessage{TSelf}"/>.
/// </summary>
/// <remarks>
/// The message id defaults to a stable 64-bit hash of the type's full name (see
/// <see cref="NetMessageRegistry.ComputeStableId(string)"/>). Set <see cref="Id"/> when the name must
/// be free to change without breaking peers.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class NetMessageAttribute : Attribute
{
    /// <summary>An explicit message id; 0 (the default) means "the stable hash of the full type name".</summary>
    public ulong Id { get; set; }

    /// <summary>
    /// When true, members may be appended in later versions: an older reader skips members it does not
    /// know, and a newer reader leaves members missing from older data at their defaults. Costs two
    /// varints per message and, when serializing, one copy of the body.
    /// </summary>
    public bool VersionTolerant { get; set; }
}
