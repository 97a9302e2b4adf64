using System.Net;
using Travelers;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>
/// Servers and clients on loopback with ports picked by the OS, and a pump that polls them on the test's
/// thread until a condition holds, failing the test if it does not within the time bound.
/// </summary>
internal static class Loopback
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    public static NetServerOptions ServerOptions(IPAddress? address = null) => new() { Address = address ?? IPAddress.Loopback, Port = 0 };

    /// <summary>The same over <paramref name="transport"/>, for tests run on both.</summary>
    public static NetServerOptions ServerOptions(NetTransport transport) => new() { Address = IPAddress.Loopback, Port = 0, Transport = transport };

    public static async Task<NetServer> StartServerAsync(NetServerOptions? options = null)
    {
        var server = new NetServer(options ?? ServerOptions());
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    /// <summary>Connects a client while polling the server (its approval runs in Poll).</summary>
    public static async Task<NetClient> ConnectAsync(NetServer server, NetClientOptions? options = null, Action<NetClient>? configure = null)
    {
        var client = new NetClient(options ?? new NetClientOptions());
        configure?.Invoke(client);
        Task connect = client.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken);
        await Until(() => connect.IsCompleted, server.Poll);
        await connect;
        return client;
    }

    /// <summary>Polls <paramref name="polls"/> until <paramref name="condition"/> holds; fails after <see cref="Bound"/>.</summary>
    public static async Task Until(Func<bool> condition, params Action[] polls)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            foreach (Action poll in polls)
            {
                poll();
            }

            if (condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The condition did not hold within {Bound.TotalSeconds} s.");
            }

            // Yield to the I/O threads between polls; this waits on the condition, it is not a fixed sleep.
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }
}
