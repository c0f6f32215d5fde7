using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Tollgate.Gateway.Envoy;

/// <summary>
/// Serves Envoy's rate-limit service beside the HTTP API when <c>Envoy:Port</c> is set: gRPC needs HTTP/2, and Envoy speaks it
/// to a plain-text cluster only by prior knowledge (h2c), which Kestrel serves only on an endpoint that is HTTP/2 alone. So that
/// port is HTTP/2 only and answers nothing but the service, while the API's <c>Urls</c> stay as they were (HTTP/1.1) and never
/// answer the service.
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

        // Naming an endpoint in code makes Kestrel ignore Urls, so the API's addresses are bound here too, as Urls gives them.
        var api = ApiAddresses(builder.Configuration);
        if (api.Any(address => address.Port == options.Port))
            throw new InvalidOperationException($"Envoy:Port {options.Port} is a port of the gateway's Urls too: the rate-limit service needs a port of its own.");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var address in api) Listen(kestrel, address.Host, address.Port, configure: null);
            foreach (var host in api.Select(address => address.Host).Distinct(StringComparer.OrdinalIgnoreCase))
                Listen(kestrel, host, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        return builder;
    }

    public static void MapEnvoyRateLimitService(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<EnvoyOptions>().Port;
        if (port == 0) return;
        // Each port answers its own: a gRPC call on an API port, or an API call on the service's port, is a 404.
        app.Use((http, next) =>
        {
            if ((http.Connection.LocalPort == port) == http.Request.Path.StartsWithSegments(ServicePath)) return next(http);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        app.MapGrpcService<EnvoyRateLimitService>();
    }

    /// <summary>The host and port of each address of <c>Urls</c> (else <c>HTTP_PORTS</c>, else Kestrel's default); plain HTTP only.</summary>
    private static List<(string Host, int Port)> ApiAddresses(IConfiguration configuration)
    {
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        if (string.IsNullOrWhiteSpace(urls))
        {
            var ports = configuration[WebHostDefaults.HttpPortsKey];
            urls = string.IsNullOrWhiteSpace(ports) ? "http://localhost:5000"
                : string.Join(';', ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(port => $"http://*:{port}"));
        }
        var addresses = new List<(string, int)>();
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
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
            if (address.IsUnixPipe || !string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"With Envoy:Port set the gateway binds its Urls itself, plain http:// only; got '{url}'. Terminate TLS in front of it (Envoy does).");
            addresses.Add((address.Host, address.Port));
        }
        return addresses;
    }

    private static void Listen(KestrelServerOptions kestrel, string host, int port, Action<ListenOptions>? configure)
    {
        configure ??= _ => { };
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) kestrel.ListenLocalhost(port, configure);
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) kestrel.Listen(ip, port, configure);
        else kestrel.ListenAnyIP(port, configure); // *, + or a host name: every address, as Kestrel binds such a URL
    }
}
