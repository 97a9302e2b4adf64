namespace Travelers;

/// <summary>Reaches code that is generic over message types from a <see cref="NetMessageType"/> known only at run time.</summary>
public interface INetMessageTypeVisitor
{
    /// <summary>Called with the visited entry's message type.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    void Visit<T>()
        where T : INetMessage<T>;
}
