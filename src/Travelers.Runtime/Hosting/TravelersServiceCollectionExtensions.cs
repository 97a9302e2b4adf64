using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Travelers;

/// <summary>Registers a <see cref="NetServer"/> with the generic host.</summary>
public static class TravelersServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="NetServer"/> that starts and stops with the host. Its options are validated
    /// when the host starts (a bad value fails the start, naming the option); unless set, its logs go to the
    /// host's <see cref="ILoggerFactory"/>. The game's own hosted service injects the <see cref="NetServer"/>,
    /// registers handlers and calls <see cref="NetServer.Poll"/> on its loop.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the server's options.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddTravelersServer(this IServiceCollection services, Action<NetServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider =>
        {
            var options = new NetServerOptions();
            if (provider.GetService<ILoggerFactory>() is { } loggers)
            {
                options.LoggerFactory = loggers;
            }

            configure?.Invoke(options);
            return new NetServer(options);
        });
        services.AddHostedService<NetServerHostedService>();
        return services;
    }

    /// <summary>Starts the server with the host and stops it (telling clients <see cref="DisconnectReason.ServerShutdown"/>) with it.</summary>
    private sealed class NetServerHostedService(NetServer server) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
    }
}
