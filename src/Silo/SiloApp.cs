using System.Net;
using System.Net.Sockets;
using Npgsql;
using Orleans.Configuration;
using Tollgate.Grains;
using Tollgate.Persistence;
using Tollgate.Telemetry;

namespace Tollgate.Silo;

/// <summary>
/// Builds the silo process: an Orleans silo hosting Tollgate's grains, with membership and grain state in
/// PostgreSQL, and a small HTTP endpoint (<c>/health</c>) for probes.
/// </summary>
public static class SiloApp
{
    /// <summary>
    /// How long a stopping silo (SIGTERM) may take to deactivate its grains, each writing its checkpoint, and leave the
    /// cluster: .NET's default, made explicit because a pod's <c>terminationGracePeriodSeconds</c> must exceed it
    /// (deploy/kubernetes; checked by a test). A stop cut short is a crash for the grains not yet written.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <param name="services">Replaces services after the silo's own (tests swap Tollgate's clock).</param>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<IServiceCollection>? services = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddTollgateTelemetry("tollgate-silo", GroupCommitter.MeterName);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        var settings = builder.Configuration.GetSection("Silo").Get<SiloSettings>() ?? new SiloSettings();
        var connectionString = await SiloDatabase.PrepareAsync(builder, cancellationToken);
        var inPod = KubernetesHosting.Applies(settings.Kubernetes, Environment.GetEnvironmentVariable);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = settings.ClusterId;
                cluster.ServiceId = settings.ServiceId;
            });
            // In a pod, Orleans' Kubernetes hosting advertises the pod's IP and listens on every address, unless these are set.
            var advertised = settings.AdvertisedAddress is { } configured ? ResolveAddress(configured) : inPod ? null : IPAddress.Loopback;
            var listen = settings.ListenAddress is { } address ? ResolveAddress(address) : advertised;
            silo.Configure<EndpointOptions>(endpoints =>
            {
                if (advertised is not null) endpoints.AdvertisedIPAddress = advertised; // left unset (null) for the Kubernetes hosting to fill
                endpoints.SiloPort = settings.SiloPort;
                endpoints.GatewayPort = settings.GatewayPort;
                endpoints.SiloListeningEndpoint = listen is null ? null : new IPEndPoint(listen, settings.SiloPort);
                endpoints.GatewayListeningEndpoint = listen is null ? null : new IPEndPoint(listen, settings.GatewayPort);
            });
            silo.UseAdoNetClustering(clustering =>
            {
                clustering.Invariant = SiloDatabase.Invariant;
                clustering.ConnectionString = connectionString;
            });
            // After ClusterOptions above: in a pod, ORLEANS_CLUSTER_ID and ORLEANS_SERVICE_ID (from the pod's labels) win over Silo:ClusterId and Silo:ServiceId.
            if (inPod) silo.UseKubernetesHosting();
            silo.Configure<ClusterMembershipOptions>(FailureDetection.Apply);
            silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Silo:Membership"));
            if (settings.GrainDirectory == GrainDirectoryKind.Distributed)
            {
#pragma warning disable ORLEANSEXP003 // experimental: chosen by configuration, with its trade-off measured (docs/operations.md, Failure behaviour)
                silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
                silo.Configure<GrainDirectoryOptions>(directory => directory.RangeLeaseDuration = settings.DirectoryLeaseDuration);
            }
            silo.AddTollgateGrains(connectionString, settings.GroupCommit);
            silo.Services.Configure<Tollgate.Grains.Limits.LimitOptions>(builder.Configuration.GetSection("Limits"));
            silo.Services.Configure<Webhooks.WebhookOptions>(builder.Configuration.GetSection("Webhooks"));
            if (settings.Dashboard) silo.AddTollgateDashboard();
            // Registered after the silo's own hosted service, so it starts after the silo has joined and stops before it leaves.
            if (!string.IsNullOrWhiteSpace(settings.ApiUrls)) CoHostedGateway.Add(builder, silo, settings, connectionString, args);
        });
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapGet("/health", (ISiloStatusOracle silo) => silo.CurrentStatus == SiloStatus.Active
            ? Results.Ok(new { status = "ok", silo = silo.SiloAddress.ToString() })
            : Results.Json(new { status = silo.CurrentStatus.ToString().ToLowerInvariant() }, statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapTollgateMetrics(TelemetrySettings.From(app.Configuration).MetricsToken); // the silo's HTTP port is private, as /health
        return app;
    }

    private static IPAddress ResolveAddress(string address) =>
        IPAddress.TryParse(address, out var ip) ? ip
        : Dns.GetHostAddresses(address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
          ?? throw new InvalidOperationException($"Silo address '{address}' does not resolve to an IPv4 address.");
}
