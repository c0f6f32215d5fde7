using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Tollgate.Telemetry;

/// <summary>
/// OpenTelemetry for a Tollgate process: metrics always (Tollgate's meters, Orleans', Npgsql's, ASP.NET Core's,
/// HttpClient's, the runtime's), read by a Prometheus scrape of <c>GET /metrics</c>, and pushed by OTLP when an
/// endpoint is configured; traces only when an OTLP endpoint is configured (no listener otherwise, so an
/// untraced process creates no activities: tracing costs nothing then).
/// </summary>
public static class TollgateTelemetry
{
    public const string MetricsPath = "/metrics";

    /// <summary>Orleans' meter (silo and client instruments: messaging, activations, grain calls, ...).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>
    /// Orleans' activity sources: grain calls of application code, and the runtime's own (placement, activation,
    /// storage). Spans of grain calls are made only where <c>AddActivityPropagation()</c> is on the client and silo.
    /// </summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Storage"];

    /// <summary>
    /// ASP.NET Core's meters (request durations by route, Kestrel connections), named here rather than
    /// through OpenTelemetry's <c>AddAspNetCoreInstrumentation()</c> for metrics: that adds the same meters (and some for
    /// features Tollgate does not use) but also wraps every request in one more async middleware, to tag 5xx answers with
    /// <c>error.type</c>: about 1 % of a metering pair's allocations in the bench.
    /// </summary>
    public static readonly string[] AspNetCoreMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing"];

    /// <summary>
    /// Adds OpenTelemetry to the process. <paramref name="serviceName"/> names it in traces and OTLP metrics
    /// (<c>OTEL_SERVICE_NAME</c> overrides it); <paramref name="meters"/> are the process's own meters.
    /// </summary>
    public static WebApplicationBuilder AddTollgateTelemetry(this WebApplicationBuilder builder, string serviceName, params string[] meters)
    {
        var settings = TelemetrySettings.From(builder.Configuration);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(meters)
                    .AddMeter(OrleansMeter)
                    .AddMeter(AspNetCoreMeters)
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddPrometheusExporter();
                OnlyThisHostsInstruments(metrics);
                if (settings.OtlpEnabled) metrics.AddOtlpExporter(otlp => settings.ConfigureOtlp(otlp, "metrics"));
            });
        if (settings.OtlpEnabled) otel.WithTracing(tracing => AddTollgateSources(tracing).AddOtlpExporter(otlp => settings.ConfigureOtlp(otlp, "traces")));
        builder.LogRequestsOnlyWhenConfigured();
        return builder;
    }

    /// <summary>The logger category of ASP.NET Core's request lines ("Request starting", "Request finished": Information).</summary>
    public const string RequestLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// Turns ASP.NET Core's request lines off unless the configuration names their level
    /// (<c>Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics</c>). While that logger is on at any level,
    /// ASP.NET Core starts an activity for every request, to give log scopes a trace id, even where nothing traces; a
    /// gateway's grain calls then carry its trace context to the silo. That cost a metering pair about 1.8 KB and a
    /// tenth of its throughput in the bench (docs/benchmarks.md). The lines themselves are below the default
    /// <c>Microsoft.AspNetCore: Warning</c> anyway, and a traced process still gets its spans: the tracer's listener
    /// starts them.
    /// </summary>
    public static WebApplicationBuilder LogRequestsOnlyWhenConfigured(this WebApplicationBuilder builder)
    {
        if (builder.Configuration[$"Logging:LogLevel:{RequestLogCategory}"] is null) builder.Logging.AddFilter(RequestLogCategory, LogLevel.None);
        return builder;
    }

    /// <summary>
    /// Drops the instruments of meters another host's <see cref="IMeterFactory"/> made (ASP.NET Core's, Orleans'): a meter
    /// is listened to by name, so where several hosts share a process (the run command's silo and gateway, the tests,
    /// the bench) each provider would otherwise export the others' instruments as its own and keep every one it ever
    /// saw, with the host behind its callbacks, until a collection that a scraped-never provider never makes (the
    /// test suite's process grew past 20 GB that way). Meters of no factory (Tollgate's, Npgsql's, the runtime's) are
    /// the process's and stay.
    /// </summary>
    private static void OnlyThisHostsInstruments(MeterProviderBuilder metrics)
    {
        if (metrics is not IDeferredMeterProviderBuilder deferred)
            throw new InvalidOperationException("OpenTelemetry's hosting builder is expected to be deferred.");
        deferred.Configure((services, provider) =>
        {
            var own = services.GetRequiredService<IMeterFactory>();
            provider.AddView(instrument =>
                instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop : null);
        });
    }

    /// <summary>
    /// What a Tollgate trace is made of: a request (ASP.NET Core, without probes and scrapes), its grain calls
    /// (Orleans), its calls of providers (HttpClient) and its PostgreSQL commands (Npgsql).
    /// </summary>
    public static TracerProviderBuilder AddTollgateSources(TracerProviderBuilder tracing) =>
        tracing.AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = http =>
                !http.Request.Path.StartsWithSegments(MetricsPath) && !http.Request.Path.StartsWithSegments("/health"))
            .AddHttpClientInstrumentation()
            .AddSource(OrleansSources)
            .AddNpgsql();

    /// <summary>
    /// Maps <c>GET /metrics</c> (Prometheus' text format). With a <paramref name="bearerToken"/> a scrape must
    /// present it (<c>Authorization: Bearer …</c>, compared in constant time); with none it is anonymous.
    /// </summary>
    public static IEndpointConventionBuilder MapTollgateMetrics(this IEndpointRouteBuilder app, string? bearerToken) =>
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null,
            configureBranchedPipeline: bearerToken is null ? null : branch => branch.Use(RequireToken(bearerToken)), optionsName: null);

    private static Func<HttpContext, RequestDelegate, Task> RequireToken(string token)
    {
        var expected = new BearerToken(token);
        return async (http, next) =>
        {
            if (expected.Check(http.Request.Headers.Authorization) == BearerToken.Presented.Token)
            {
                await next(http);
                return;
            }
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = "Bearer";
            var message = expected.IsConfigured
                ? "A valid bearer token is required."
                : "Metrics are disabled: no Telemetry:MetricsToken or Admin:Token is configured (or set Telemetry:PrometheusAnonymous=true).";
            await http.Response.WriteAsJsonAsync(new { error = new { message, type = "authentication_error", param = (string?)null, code = "unauthorized" } });
        };
    }
}

/// <summary>The <c>Telemetry</c> section, and the standard <c>OTEL_EXPORTER_OTLP_*</c> variables.</summary>
public sealed class TelemetrySettings
{
    /// <summary><c>Telemetry:Otlp:Endpoint</c>: where to push metrics and traces by OTLP; else <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary><c>Telemetry:Otlp:Protocol</c>: <c>grpc</c> (default) or <c>http/protobuf</c>; else <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.</summary>
    public string? OtlpProtocol { get; init; }

    /// <summary>An endpoint is configured, here or by the standard variables (which the exporter reads itself).</summary>
    public bool OtlpEnabled { get; init; }

    /// <summary><c>Telemetry:MetricsToken</c>: the bearer token a scrape of <c>/metrics</c> presents.</summary>
    public string? MetricsToken { get; init; }

    /// <summary><c>Telemetry:PrometheusAnonymous</c>: serve the gateway's <c>/metrics</c> without a token.</summary>
    public bool PrometheusAnonymous { get; init; }

    public static TelemetrySettings From(IConfiguration configuration)
    {
        var endpoint = configuration["Telemetry:Otlp:Endpoint"];
        var standard = new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" }
            .Any(name => !string.IsNullOrWhiteSpace(configuration[name]));
        return new TelemetrySettings
        {
            OtlpEndpoint = string.IsNullOrWhiteSpace(endpoint) ? null : new Uri(endpoint, UriKind.Absolute),
            OtlpProtocol = configuration["Telemetry:Otlp:Protocol"],
            OtlpEnabled = standard || !string.IsNullOrWhiteSpace(endpoint),
            MetricsToken = string.IsNullOrEmpty(configuration["Telemetry:MetricsToken"]) ? null : configuration["Telemetry:MetricsToken"],
            PrometheusAnonymous = configuration.GetValue("Telemetry:PrometheusAnonymous", false),
        };
    }

    /// <summary>
    /// The token <c>/metrics</c> asks of a public-facing process (the gateway): the metrics token, else the admin
    /// token (empty: every scrape is refused); none when <see cref="PrometheusAnonymous"/>.
    /// </summary>
    public string? GatewayMetricsToken(string? adminToken) => PrometheusAnonymous ? null : MetricsToken ?? adminToken ?? "";

    internal void ConfigureOtlp(OpenTelemetry.Exporter.OtlpExporterOptions otlp, string signal)
    {
        if (OtlpProtocol is "http/protobuf" or "HttpProtobuf") otlp.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
        if (OtlpEndpoint is null) return; // the exporter reads OTEL_EXPORTER_OTLP_* itself
        // Set in code, a gRPC endpoint is used as it is; an HTTP one must name the signal's path.
        otlp.Endpoint = otlp.Protocol == OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf
            ? new Uri(OtlpEndpoint, OtlpEndpoint.AbsolutePath.TrimEnd('/') + "/v1/" + signal)
            : OtlpEndpoint;
    }
}
