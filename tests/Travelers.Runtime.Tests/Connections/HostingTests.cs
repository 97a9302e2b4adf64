using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Travelers;

namespace Travelers.Runtime.Tests.Connections;

public sealed class HostingTests
{
    [Fact]
    public async Task AddTravelersServer_starts_and_stops_the_server_with_the_host()
    {
        await using ServiceProvider provider = new ServiceCollection()
            .AddTravelersServer(o =>
            {
                o.Address = IPAddress.Loopback;
                o.Port = 0;
            })
            .BuildServiceProvider();
        NetServer server = provider.GetRequiredService<NetServer>();
        IHostedService hosted = Assert.Single(provider.GetServices<IHostedService>());

        await hosted.StartAsync(TestContext.Current.CancellationToken);
        NetClient client = await Loopback.ConnectAsync(server);
        var closed = new List<DisconnectReason>();
        client.ConnectionClosed += (_, info) => closed.Add(info.Reason);

        await hosted.StopAsync(TestContext.Current.CancellationToken);
        await Loopback.Until(() => closed.Count == 1, client.Poll);
        Assert.Equal(DisconnectReason.ServerShutdown, closed[0]);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_bad_option_fails_the_host_start_naming_it()
    {
        await using ServiceProvider provider = new ServiceCollection()
            .AddTravelersServer(o => o.HeartbeatInterval = TimeSpan.Zero)
            .BuildServiceProvider();
        IHostedService hosted = Assert.Single(provider.GetServices<IHostedService>());
        var error = await Assert.ThrowsAsync<ArgumentException>(() => hosted.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("NetServerOptions.HeartbeatInterval", error.Message);
    }
}
