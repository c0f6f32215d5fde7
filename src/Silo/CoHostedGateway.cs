using Orleans.Configuration;
using Tollgate.Gateway;
using Tollgate.Gateway.Cluster;

namespace Tollgate.Silo;

/// <summary>
/// The gateway's HTTP APIs (metering, proxy, admin, usage) served by the silo's own process, when <c>Silo:ApiUrls</c> is set.
/// A request's grain calls then go through the silo's own client: in memory to a grain this silo hosts, one hop to another
/// silo's, where a separate gateway's call always crosses to the silo it is connected to first. Started once the silo has
/// joined the cluster, stopped before it leaves (hosted services stop in reverse order), so requests in flight still settle.
/// </summary>
public sealed class CoHostedGateway(IClusterClient cluster, string[] arguments) : IHostedService
{
    private WebApplication? _gateway;

    /// <summary>A silo stopping with its gateway gives the gateway its own time first, then takes the silo's.</summary>
    public static TimeSpan ShutdownTimeout => GatewayApp.ShutdownTimeout + SiloApp.ShutdownTimeout;

    /// <summary>
    /// Serves the gateway's APIs at <see cref="SiloSettings.ApiUrls"/>, configured as the silo is (tokens, providers, limits), on
    /// <paramref name="connectionString"/>; its grain calls get a separate gateway's response timeout and retries (section <c>Cluster</c>).
    /// </summary>
    internal static void Add(WebApplicationBuilder builder, ISiloBuilder silo, SiloSettings settings, string connectionString, string[] args)
    {
        var calls = builder.Configuration.GetSection("Cluster").Get<ClusterClientSettings>() ?? new ClusterClientSettings();
        (calls.ClusterId, calls.ServiceId) = (settings.ClusterId, settings.ServiceId);
        silo.Services.AddTollgateRetries(calls);
        // Orleans' default in a silo is 30 s. The gateway's calls are the only ones its timeout changes: no grain calls another.
        silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = calls.ResponseTimeout);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        string[] gatewayArgs = [.. args, $"--Urls={settings.ApiUrls}", $"--Postgres:ConnectionString={connectionString}"]; // the later of two wins
        builder.Services.AddHostedService(services => new CoHostedGateway(services.GetRequiredService<IClusterClient>(), gatewayArgs));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _gateway = GatewayApp.Build(arguments, cluster);
        await _gateway.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_gateway is null) return;
        await _gateway.StopAsync(cancellationToken);
        await _gateway.DisposeAsync();
    }
}
