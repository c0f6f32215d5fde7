using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Telemetry;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// Hosts sharing a process (the run command's silo and gateway, every test, the bench) each export their own
/// instruments: a meter is listened to by name, so without care one host's provider took in every other host's
/// ASP.NET Core and Orleans instruments and kept them, with what they reference, for the life of the process (the test
/// suite's process grew past 20 GB and was killed).
/// </summary>
public sealed class TelemetryIsolationTests
{
    [Fact]
    public async Task A_host_exports_only_its_own_instruments_not_those_of_another_host_in_its_process()
    {
        await using var exporter = await StartAsync();
        using var client = new HttpClient { BaseAddress = Address(exporter) };
        Assert.Equal("pong", await client.GetStringAsync("/ping"));

        await using var other = await StartAsync();
        using var otherClient = new HttpClient { BaseAddress = Address(other) };
        for (var i = 0; i < 3; i++) Assert.Equal("pong", await otherClient.GetStringAsync("/ping"));

        var metrics = await client.GetStringAsync(TollgateTelemetry.MetricsPath);
        // One request to /ping here; the other host's three were never this host's.
        var pings = metrics.Split('\n').Single(line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/ping\"", StringComparison.Ordinal));
        Assert.Equal("1", pings[(pings.LastIndexOf('}') + 1)..].Trim().Split(' ')[0]);
    }

    private static async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddTollgateTelemetry("telemetry-isolation-test");
        var app = builder.Build();
        app.MapGet("/ping", () => "pong");
        app.MapTollgateMetrics(bearerToken: null);
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
