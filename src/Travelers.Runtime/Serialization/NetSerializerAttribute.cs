using System;

namespace Travelers;

/// <summary>
/// Names the custom serializer of a type that is not a <see cref="NetMessageAttribute">[NetMessage]</see>
/// (a type from another library, say). Put it on the type, and every message member of that type uses
/// the serializer; or on one member, to use it there only. The serializer type implements
/// <see cref="INetSerializer{T}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Field | AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class NetSerializerAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="serializerType">A type implementing <see cref="INetSerializer{T}"/> for the annotated type.</param>
    public NetSerializerAttribute(Type serializerType) => SerializerType = serializerType;

    /// <summary>The type implementing <see cref="INetSerializer{T}"/>.</summary>
    public Type SerializerType { get; }
}
