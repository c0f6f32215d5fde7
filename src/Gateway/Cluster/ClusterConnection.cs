using Orleans.Configuration;

namespace Tollgate.Gateway.Cluster;

/// <summary>Makes the gateway an Orleans client of the cluster whose silos PostgreSQL's membership table lists.</summary>
public static class ClusterConnection
{
    internal static void AddClusterClient(this WebApplicationBuilder builder, ClusterClientSettings settings, string connectionString)
    {
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = settings.ClusterId;
                cluster.ServiceId = settings.ServiceId;
            });
            client.UseAdoNetClustering(clustering =>
            {
                clustering.Invariant = "Npgsql";
                clustering.ConnectionString = connectionString;
            });
            // Silos that joined are found within this period; one that died is dropped as soon as its connection fails.
            client.Configure<GatewayOptions>(gateways => gateways.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.UseConnectionRetryFilter(new WaitForCluster(settings.ConnectTimeout));
            client.UseTollgateRetries(settings);
            // A grain call carries the caller's trace context, so a traced request's spans continue on the silo.
            // Spans are only made while something listens (an OTLP exporter is configured): free otherwise.
            client.AddActivityPropagation();
        });
    }

    /// <summary>The response timeout and bounded retries of transient failures (see <see cref="RetryTransientFailures"/>).</summary>
    public static IClientBuilder UseTollgateRetries(this IClientBuilder client, ClusterClientSettings settings)
    {
        client.Services.AddTollgateRetries(settings);
        client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = settings.ResponseTimeout);
        return client;
    }

    /// <summary>
    /// The settings and the retry filter of a gateway's grain calls, in the container of whatever makes them: the gateway's own
    /// Orleans client, or a silo that serves the gateway's APIs itself (whose own grains' calls the filter leaves alone).
    /// </summary>
    public static IServiceCollection AddTollgateRetries(this IServiceCollection services, ClusterClientSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<RetryTransientFailures>();
        services.AddSingleton<IOutgoingGrainCallFilter>(provider => provider.GetRequiredService<RetryTransientFailures>());
        return services;
    }

    /// <summary>A gateway may start before the silos (docker-compose, a restart of everything): it waits for them, up to a bound.</summary>
    private sealed class WaitForCluster(TimeSpan timeout) : IClientConnectionRetryFilter
    {
        private readonly DateTime _giveUpAt = DateTime.UtcNow + timeout;

        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            if (DateTime.UtcNow >= _giveUpAt) return false;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        }
    }
}
