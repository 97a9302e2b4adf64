namespace Travelers;

/// <summary>Why and how a connection ended, as <c>ConnectionClosed</c> reports it.</summary>
/// <param name="Reason">The kind of ending.</param>
/// <param name="Message">A human-readable explanation; for <see cref="DisconnectReason.Kicked"/>, the reason given to <see cref="NetConnection.Disconnect"/>.</param>
public readonly record struct DisconnectInfo(DisconnectReason Reason, string Message);
