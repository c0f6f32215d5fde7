using Microsoft.AspNetCore.Server.Kestrel.Core;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Envoy;

/// <summary>
/// Serves Envoy's rate-limit service beside the HTTP API when <c>Envoy:Port</c> is set: gRPC needs HTTP/2, and Envoy speaks it
/// to a plain-text cluster only by prior knowledge (h2c), which Kestrel serves only on an endpoint that is HTTP/2 alone. So that
/// port, on each host of <c>Urls</c>, is HTTP/2 only and answers nothing but the service, while the API's <c>Urls</c> stay as they
/// were and never answer the service.
/// </summary>
public static class EnvoyHosting
{
    private const string ServicePath = "/envoy.service.ratelimit.v3.RateLimitService";

    public static WebApplicationBuilder AddEnvoyRateLimitService(this WebApplicationBuilder builder)
    {
        var options = EnvoyOptions.From(builder.Configuration);
        builder.Services.AddSingleton(options);
        if (options.Port == 0) return builder;
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = 64 * 1024); // a request is a few descriptors
        builder.Services.AddSingleton<EnvoyOutageAllowance>();
        builder.Services.AddSingleton<EnvoyRateLimiter>();

        // Kestrel binds Urls as ever, with the service's port added on each of their hosts; that endpoint alone is HTTP/2. (An endpoint named
        // in code would make Kestrel ignore Urls; this keeps its own parsing of them, https included.)
        var urls = ApiUrls(builder.Configuration);
        var hosts = new List<string>();
        foreach (var url in urls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"Urls: '{url}' is not an address ({ex.Message}).", ex);
            }
            if (address.Port == options.Port)
                throw new InvalidOperationException($"Envoy:Port {options.Port} is a port of the gateway's Urls too: the rate-limit service needs a port of its own.");
            if (!address.IsUnixPipe && !hosts.Contains(address.Host, StringComparer.OrdinalIgnoreCase)) hosts.Add(address.Host);
        }
        if (hosts.Count == 0) throw new InvalidOperationException("Envoy:Port needs an IP address or host name among the gateway's Urls to listen on.");
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Join(';', urls.Concat(hosts.Select(host => $"http://{host}:{options.Port}"))));
        // The gateway sets no other endpoint defaults (this would replace them).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
        {
            if (listen.IPEndPoint?.Port == options.Port) listen.Protocols = HttpProtocols.Http2;
        }));
        return builder;
    }

    public static void MapEnvoyRateLimitService(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<EnvoyOptions>().Port;
        if (port == 0) return;
        // Each port answers its own: a gRPC call on an API port, or an API call on the service's port, is a 404.
        app.Use((http, next) => (http.Connection.LocalPort == port) == http.Request.Path.StartsWithSegments(ServicePath) ? next(http)
            : throw new ApiException(StatusCodes.Status404NotFound, "not_found", $"No endpoint {http.Request.Method} {http.Request.Path} on this port."));
        app.MapGrpcService<EnvoyRateLimitService>();
    }

    /// <summary>The addresses Kestrel would bind: <c>Urls</c>, else <c>HTTP_PORTS</c> and <c>HTTPS_PORTS</c>, else its default.</summary>
    private static List<string> ApiUrls(IConfiguration configuration)
    {
        static IEnumerable<string> Split(string? list) => (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        List<string> urls = [.. Split(configuration[WebHostDefaults.ServerUrlsKey])];
        if (urls.Count > 0) return urls;
        urls.AddRange(Split(configuration[WebHostDefaults.HttpPortsKey]).Select(port => $"http://*:{port}"));
        urls.AddRange(Split(configuration[WebHostDefaults.HttpsPortsKey]).Select(port => $"https://*:{port}"));
        return urls.Count > 0 ? urls : ["http://localhost:5000"];
    }
}
