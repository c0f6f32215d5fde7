using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Gateway;
using Tollgate.Grains;
using Tollgate.Runtime;
using Tollgate.Runtime.Transport;
using Tollgate.Silo;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// An in-process Tollgate for tests: one silo and one gateway on free loopback ports, talking
/// over the real network transport to a real PostgreSQL database. The silo can be stopped and
/// started again on the same address.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";

    private readonly string _connectionString;
    private readonly string[] _siloSettings;
    private readonly int _siloPort = FreePort();
    private readonly GrainClient _client;
    private WebApplication? _silo;
    private WebApplication? _gateway;

    private TestCluster(string connectionString, string[] siloSettings)
    {
        _connectionString = connectionString;
        _siloSettings = siloSettings;
        var options = new ClusterClientOptions { Silos = [SiloAddress] };
        _client = new GrainClient(TollgateMessages.Create(), new StaticSiloDirectory(options), options, NullLogger<GrainClient>.Instance);
    }

    public string SiloAddress => $"http://127.0.0.1:{_siloPort}";

    /// <summary>Calls grains over the network, as a gateway does.</summary>
    public IGrainCaller Grains => _client;

    /// <summary>An HTTP client for the gateway; <see cref="Admin"/> adds the admin token.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public WebApplication Silo => _silo ?? throw new InvalidOperationException("The silo is stopped.");

    /// <summary>Starts a silo and a gateway; <paramref name="siloSettings"/> are extra <c>--Key=Value</c> settings of the silo.</summary>
    public static async Task<TestCluster> StartAsync(string connectionString, params string[] siloSettings)
    {
        var cluster = new TestCluster(connectionString, siloSettings);
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        return cluster;
    }

    public async Task StartSiloAsync()
    {
        if (_silo is not null) throw new InvalidOperationException("The silo is running.");
        _silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={_connectionString}", $"--Silo:Port={_siloPort}", .. Quiet, .. _siloSettings]);
        await _silo.StartAsync();
    }

    /// <summary>Graceful stop: flushes activations and releases leases, as on SIGTERM.</summary>
    public async Task StopSiloAsync()
    {
        if (_silo is null) return;
        await _silo.StopAsync();
        await _silo.DisposeAsync();
        _silo = null;
    }

    private async Task StartGatewayAsync()
    {
        var port = FreePort();
        _gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{port}", $"--Admin:Token={AdminToken}", $"--Cluster:Silos:0={SiloAddress}", .. Quiet]);
        await _gateway.StartAsync();
        Gateway = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Admin = new HttpClient { BaseAddress = Gateway.BaseAddress };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public T SiloService<T>() where T : notnull => Silo.Services.GetRequiredService<T>();

    private static readonly string[] Quiet = ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Tollgate=Warning"];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        Admin?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }
        await StopSiloAsync();
        _client.Dispose();
    }
}
