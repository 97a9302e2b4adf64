using System.Globalization;

namespace Travelers.RelayTool;

/// <summary>A snapshot of the relay's counters since it started.</summary>
/// <param name="Clients">Clients relayed now.</param>
/// <param name="ClientsRejected">Datagrams dropped because the relay served as many clients as it may, or could not open a socket for a new one.</param>
/// <param name="ToServer">Clients to server.</param>
/// <param name="ToClients">Server to clients.</param>
internal readonly record struct RelayStatistics(int Clients, long ClientsRejected, DirectionStatistics ToServer, DirectionStatistics ToClients)
{
    /// <summary>One line for the console.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"clients {Clients} (rejected {ClientsRejected}) | to server: {ToServer} | to clients: {ToClients}");
}
