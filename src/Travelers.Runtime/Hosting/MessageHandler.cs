namespace Travelers;

/// <summary>Handles a received message during <c>Poll()</c>. The message is the handler's to keep.</summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="from">The connection it came from.</param>
/// <param name="message">The message.</param>
public delegate void MessageHandler<T>(NetConnection from, in T message);
