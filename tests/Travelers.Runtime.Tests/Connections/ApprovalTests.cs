using Travelers;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>What a server's <c>Approve</c> may answer.</summary>
public sealed class ApprovalTests
{
    /// <summary>
    /// <c>default(Approval)</c> (a struct's zero value: <c>return default;</c>) is not accepted, and has no reason: it
    /// used to throw a NullReferenceException out of Poll(), leaving the connection in its handshake until a timeout.
    /// </summary>
    [Fact]
    public async Task A_default_approval_refuses_the_client_rather_than_throwing_from_poll()
    {
        var options = Loopback.ServerOptions();
        options.Approve = _ => default;
        await using NetServer server = await Loopback.StartServerAsync(options);
        await using var client = new NetClient();
        Task connect = client.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken);

        await Loopback.Until(() => connect.IsCompleted, server.Poll);
        var error = await Assert.ThrowsAsync<NetConnectException>(() => connect);
        Assert.Equal(DisconnectReason.Refused, error.Code);
        Assert.Equal("The server refused the connection.", error.Reason);
        Assert.Empty(server.Connections);
    }
}
