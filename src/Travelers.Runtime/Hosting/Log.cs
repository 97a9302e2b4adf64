using System.Net;
using Microsoft.Extensions.Logging;

namespace Travelers;

/// <summary>Every log line of the connection layer, as source-generated <see cref="LoggerMessageAttribute"/> methods.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Listening on {EndPoint} ({Transport})")]
    public static partial void Listening(ILogger logger, IPEndPoint endPoint, string transport);

    [LoggerMessage(2, LogLevel.Debug, "Connection {Id} from {EndPoint} opened")]
    public static partial void Opened(ILogger logger, long id, IPEndPoint endPoint);

    [LoggerMessage(3, LogLevel.Debug, "Connection {Id} from {EndPoint} closed: {Reason}: {Message}")]
    public static partial void Closed(ILogger logger, long id, IPEndPoint endPoint, DisconnectReason reason, string message);

    [LoggerMessage(4, LogLevel.Information, "Connection {Id} from {EndPoint} refused during the handshake: {Reason}: {Message}")]
    public static partial void Refused(ILogger logger, long id, IPEndPoint endPoint, DisconnectReason reason, string message);

    [LoggerMessage(5, LogLevel.Warning, "Connection {Id} from {EndPoint} closed for a protocol violation: {Message}")]
    public static partial void ProtocolViolation(ILogger logger, long id, IPEndPoint endPoint, string message);

    [LoggerMessage(6, LogLevel.Warning, "Received {MessageType} with no handler registered (counted; logged once per type)")]
    public static partial void Unhandled(ILogger logger, string messageType);

    [LoggerMessage(7, LogLevel.Warning, "Connection from {EndPoint} closed at once: {Limit} reached")]
    public static partial void Flood(ILogger logger, IPEndPoint endPoint, string limit);

    [LoggerMessage(11, LogLevel.Warning, "Connection {Id} from {EndPoint} ended in its handshake: MaxPendingHandshakes ({Limit}) was reached, its address held the most, and {Newcomer} took its place")]
    public static partial void Evicted(ILogger logger, long id, IPEndPoint endPoint, int limit, IPAddress newcomer);

    [LoggerMessage(9, LogLevel.Warning, "Accepting a connection failed ({Error}); accepting goes on")]
    public static partial void AcceptFailed(ILogger logger, System.Net.Sockets.SocketError error);

    [LoggerMessage(10, LogLevel.Warning, "{Count} connection(s) had not finished closing when {What} stopped waiting; dropped at once")]
    public static partial void CloseAbandoned(ILogger logger, int count, string what);

    [LoggerMessage(8, LogLevel.Information, "Connection {Id} from {EndPoint} timed out: {Message}")]
    public static partial void TimedOut(ILogger logger, long id, IPEndPoint endPoint, string message);

    [LoggerMessage(30, LogLevel.Warning, "{Rpc} from connection {Id} ({EndPoint}) was not run: {Reason}: {Detail} (counted in travelers.rpc.rejected; logged once per connection and RPC)")]
    public static partial void RpcRefused(ILogger logger, string rpc, long id, IPEndPoint endPoint, string reason, string detail);

    [LoggerMessage(31, LogLevel.Error, "{Rpc} called by connection {Id} threw (logged at Error once per connection and RPC, later failures at Debug)")]
    public static partial void RpcFailed(ILogger logger, string rpc, long id, System.Exception exception);

    [LoggerMessage(32, LogLevel.Debug, "{Rpc} called by connection {Id} threw again")]
    public static partial void RpcFailedAgain(ILogger logger, string rpc, long id, System.Exception exception);

    [LoggerMessage(20, LogLevel.Error, "{Entity} cannot be replicated: its state takes more than {Capacity} bytes, the most one snapshot part can carry (logged once per entity)")]
    public static partial void OversizedEntity(ILogger logger, string entity, int capacity);

    [LoggerMessage(21, LogLevel.Warning, "A snapshot from the server was dropped: {Problem} (counted; logged once per kind of problem)")]
    public static partial void SnapshotDropped(ILogger logger, string problem);
}
