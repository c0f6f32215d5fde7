using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Journal;
using Tollgate.Gateway.Metering;
using Tollgate.Gateway.Proxy;
using Tollgate.Gateway.Usage;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Npgsql;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Models;
using Tollgate.Gateway.Cluster;
using Tollgate.Gateway.Envoy;
using Tollgate.Telemetry;

namespace Tollgate.Gateway;

/// <summary>Builds the gateway process: a stateless Orleans client serving the metering, admin and usage APIs.</summary>
public static class GatewayApp
{
    /// <summary>
    /// How long a stopping gateway (SIGTERM) lets running requests finish and settles them, and writes the denial
    /// counts it buffered: .NET's default, made explicit because a pod's <c>terminationGracePeriodSeconds</c> must
    /// exceed it (deploy/kubernetes; checked by a test). For the requests still running when it ends, the stop is a
    /// gateway that died (docs/proxy.md: not charged, their holds end within one lease).
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <param name="cluster">
    /// A client of a cluster to use instead of connecting one: a silo's own, when the silo serves these APIs (<c>Silo:ApiUrls</c>),
    /// or an in-process test cluster's.
    /// </param>
    public static WebApplication Build(string[] args, IClusterClient? cluster = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // API bodies are at most 64 KiB (JsonBody); Kestrel reads away up to this much of a refused body before it
        // closes the connection (its default, 30 MB, lets one caller make it read that much for nothing).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize =
            builder.Configuration.GetValue<long?>("Kestrel:Limits:MaxRequestBodySize") ?? 1024 * 1024);

        builder.AddTollgateTelemetry("tollgate-gateway", GatewayMetrics.MeterName);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);

        var metering = builder.Configuration.GetSection("Metering").Get<MeteringOptions>() ?? new MeteringOptions();
        var connectionString = builder.Configuration["Postgres:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("Postgres:ConnectionString is required: the gateway records denied requests and serves usage queries from PostgreSQL.");
        if (metering.DenialRetention < TimeSpan.Zero || metering.DenialRetention > TimeSpan.Zero && metering.DenialRetention < TimeSpan.FromHours(1))
            throw new InvalidOperationException("Metering:DenialRetention must be at least 01:00:00, or 00:00:00 to keep denial counts for ever.");
        if (metering.SettingsRefresh <= TimeSpan.Zero || metering.SettingsRefresh > TimeSpan.FromMinutes(1))
            throw new InvalidOperationException("Metering:SettingsRefresh must be more than 00:00:00 and at most 00:01:00: a change of limits, prices or routes takes up to twice it to reach every gateway.");

        if (cluster is null) builder.AddClusterClient(builder.Configuration.GetSection("Cluster").Get<ClusterClientSettings>() ?? new(), connectionString);
        else
        {
            builder.Services.AddSingleton(cluster).AddSingleton<IGrainFactory>(cluster);
            // How that client's calls are retried, and which service's tables to read (a silo serving these APIs sets it).
            if (cluster.ServiceProvider.GetService<ClusterClientSettings>() is { } settings) builder.Services.AddSingleton(settings);
        }
        builder.Services.AddSingleton(metering);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(TollgateClock.Key, cluster?.ServiceProvider.GetKeyedService<TimeProvider>(TollgateClock.Key) ?? TimeProvider.System);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton<UnpricedModels>();
        builder.Services.AddSingleton<ReadinessCheck>();
        builder.Services.AddSingleton<IpLimitPolicies>();
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<DenialLog>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<DenialLog>());
        builder.Services.AddHostedService<DenialRetention>();
        builder.Services.AddSingleton<LimitedCallers>();
        builder.Services.AddSingleton<KeyAccounts>();
        builder.Services.AddSingleton<Authorizer>();
        builder.Services.AddSingleton<Settlement>();
        builder.AddSettlementJournal();
        builder.Services.Configure<ProxyOptions>(builder.Configuration.GetSection("Proxy"));
        builder.Services.AddSingleton<ProxySettings>();
        builder.Services.AddSingleton<TokenCounter>();
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<OutageAllowance>();
        builder.Services.AddSingleton(provider => new HttpClient(new SocketsHttpHandler
        {
            // Connections to each provider are pooled and reused; renewed now and then so DNS changes are seen.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = UpstreamConnection.ConnectAsync, // continuations of the providers' sockets on the thread pool
            AllowAutoRedirect = false,
            UseCookies = false,
            ActivityHeadersPropagator = new ProviderTraceContext(provider.GetRequiredService<ProxySettings>()), // callers' trace ids stay here
        })
        { Timeout = Timeout.InfiniteTimeSpan }); // each provider's own timeout applies (Relay)
        builder.Services.AddSingleton<Relay>();
        builder.Services.AddSingleton<MeteredProxy>();
        builder.AddEnvoyRateLimitService(); // Envoy:Port: gRPC on a port of its own, from the same grains (Envoy/)
        builder.AddOperatorConsole();
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddSingleton(WebhookSettings.From(builder.Configuration));
        builder.Services.AddSingleton(provider => new AdminListings(provider.GetRequiredService<NpgsqlDataSource>(), provider.GetService<ClusterClientSettings>()));
        builder.Services.AddGatewayOpenApi(); // GET /openapi/v1.json (ApiDocs)
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJson.Default);
        });

        var app = builder.Build();
        app.UseMiddleware<ErrorHandling>(); // also the JSON 404 of an unknown path, and 405 (with Allow) of a known one and another method
        app.UseMiddleware<BearerTokenCheck>(); // the admin and service tokens, where an endpoint is Secured by them, before its body is read
        app.MapGatewayOpenApi();
        app.MapHealth();
        app.MapTollgateMetrics(TelemetrySettings.From(app.Configuration).GatewayMetricsToken(app.Configuration["Admin:Token"]));
        app.MapOperatorConsole();
        var admin = app.MapGroup("/admin");
        admin.MapAccountAdmin();
        admin.MapModelAdmin();
        admin.MapApiKeyAdmin();
        admin.MapBudgetAdmin();
        admin.MapGrantAdmin();
        admin.MapAlertAdmin();
        admin.MapLimitAdmin();
        admin.MapWebhookAdmin();
        app.MapGroup("/api").MapUsageQueries();
        var v1 = app.MapGroup("/v1");
        v1.MapMetering();
        v1.MapProxy(); // authenticated by the callers' own API keys
        app.MapEnvoyRateLimitService(); // authenticated by the service token too
        _ = app.Services.GetRequiredService<ProxySettings>(); // a configuration mistake stops the gateway at startup, not at the first request
        // The tokenizer's vocabulary takes a second and ~40 MB to load: in the background now rather than in the first request.
        var counter = app.Services.GetRequiredService<TokenCounter>();
        _ = Task.Run(() => counter.Text("warm up", "gpt-4o"));
        return app;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(AnthropicErrorBody))]
[JsonSerializable(typeof(AnthropicModelList))]
[JsonSerializable(typeof(Readiness))]
[JsonSerializable(typeof(VoidResult))]
[JsonSerializable(typeof(AccountList))]
[JsonSerializable(typeof(ApiKeyList))]
[JsonSerializable(typeof(AccountSnapshot))]
[JsonSerializable(typeof(AdjustResult))]
[JsonSerializable(typeof(RequestSettled))]
[JsonSerializable(typeof(AuthorizeResponse))]
[JsonSerializable(typeof(Tollgate.Grains.Budgets.BudgetState))]
[JsonSerializable(typeof(IReadOnlyList<Tollgate.Grains.Budgets.BudgetState>))]
[JsonSerializable(typeof(Tollgate.Grains.Grants.GrantView))]
[JsonSerializable(typeof(Tollgate.Grains.Alerts.AlertSettings))]
[JsonSerializable(typeof(IReadOnlyList<Tollgate.Grains.Grants.GrantView>))]
[JsonSerializable(typeof(LimitsView))]
[JsonSerializable(typeof(UsageReport))]
[JsonSerializable(typeof(ModelSnapshot))]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(RoutedModelList))]
[JsonSerializable(typeof(CreatedWebhook))]
[JsonSerializable(typeof(WebhookView))]
[JsonSerializable(typeof(WebhookList))]
[JsonSerializable(typeof(WebhookTestEvent))]
[JsonSerializable(typeof(WebhookDeliveryLog))]
internal sealed partial class GatewayJson : JsonSerializerContext;
