using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Tollgate.Gateway;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// The gateways of a test's Tollgate, in-process or in front of silo processes alike: each on a free loopback port
/// with the test tokens and quiet logs, reached through HTTP clients that go with them.
/// </summary>
public sealed class TestGateways(string database, IClusterClient? client, string[] settings) : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";
    public const string ServiceToken = "test-service-token";
    private static readonly string[] Quiet = ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Tollgate=Warning"];

    private readonly List<WebApplication> _apps = [];
    private readonly List<HttpClient> _clients = [];

    public int Count => _apps.Count;

    /// <summary>Gateway <paramref name="index"/> (0 is the first).</summary>
    public WebApplication this[int index] => _apps[index];

    /// <summary>The base address of gateway <paramref name="index"/>.</summary>
    public Uri Address(int index) => new(_apps[index].Urls.First());

    /// <summary>
    /// Starts one more gateway. With the cluster's client (in-process silos) it calls grains through that; without,
    /// it connects as a deployed gateway does, finding the silos in the membership table.
    /// </summary>
    /// <param name="more">Configuration of this gateway only, after the settings of every gateway.</param>
    public async Task<int> StartAsync(params string[] more)
    {
        var port = FreePort.Loopback();
        var app = GatewayApp.Build([$"--Urls=http://127.0.0.1:{port}", $"--Admin:Token={AdminToken}", $"--Metering:ServiceToken={ServiceToken}",
            $"--Postgres:ConnectionString={database}", .. Quiet, .. settings, .. more], client);
        await app.StartAsync();
        _apps.Add(app);
        return _apps.Count - 1;
    }

    /// <summary>An HTTP client of gateway <paramref name="index"/> presenting <paramref name="bearer"/> (a token, or an API key for the proxy).</summary>
    public HttpClient Client(int index, string? bearer)
    {
        var http = new HttpClient { BaseAddress = Address(index), Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        _clients.Add(http);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var http in _clients) http.Dispose();
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
