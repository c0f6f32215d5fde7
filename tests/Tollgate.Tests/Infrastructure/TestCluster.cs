using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Gateway;
using Tollgate.Grains;
using Tollgate.Runtime;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Transport;
using Tollgate.Silo;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// An in-process Tollgate for tests: silos and a gateway on free loopback ports, talking over the
/// real network transport to a real PostgreSQL database. Silos can be stopped (gracefully, as on
/// SIGTERM), started again on the same address, and added.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";
    public const string ServiceToken = "test-service-token";
    private static readonly string[] Quiet = ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Tollgate=Warning"];

    private readonly string _connectionString;
    private readonly string[] _siloSettings;
    private readonly List<int> _ports = [];
    private readonly List<WebApplication?> _silos = [];
    private readonly List<WebApplication> _gateways = [];
    private readonly List<HttpClient> _clients = [];
    private TimeProvider? _clock;
    private readonly ClusterDirectory _directory;
    private readonly GrainClient _client;

    private TestCluster(string connectionString, int silos, string[] siloSettings)
    {
        _connectionString = connectionString;
        _siloSettings = siloSettings;
        for (var i = 0; i < silos; i++)
        {
            _ports.Add(SiloHostBuilder.FreeLoopbackPort());
            _silos.Add(null);
        }
        var options = new ClusterClientOptions { Silos = [.. _ports.Select(Address)], TableRefreshInterval = TimeSpan.FromSeconds(1) };
        _directory = new ClusterDirectory(options, NullLogger<ClusterDirectory>.Instance);
        _client = new GrainClient(TollgateMessages.Create(), _directory, options, NullLogger<GrainClient>.Instance);
    }

    /// <summary>Calls grains over the network, as a gateway does.</summary>
    public IGrainCaller Grains => _client;

    /// <summary>Retried attempts of <see cref="Grains"/> so far.</summary>
    public long ClientRetries => _client.Retries;

    /// <summary>An HTTP client for the gateway; <see cref="Admin"/> adds the admin token.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    /// <summary>An HTTP client for the gateway's metering API (service token).</summary>
    public HttpClient Metering { get; private set; } = null!;

    public int SiloCount => _silos.Count;

    public WebApplication Silo(int index = 0) => _silos[index] ?? throw new InvalidOperationException($"Silo {index} is stopped.");

    public string SiloAddress(int index = 0) => Address(_ports[index]);

    /// <summary>Starts silos and a gateway; <paramref name="siloSettings"/> are extra <c>--Key=Value</c> settings of every silo.</summary>
    public static Task<TestCluster> StartAsync(string connectionString, params string[] siloSettings) => StartAsync(connectionString, 1, siloSettings);

    public static Task<TestCluster> StartAsync(string connectionString, int silos, params string[] siloSettings) =>
        StartAsync(connectionString, silos, null, siloSettings);

    /// <summary>Starts silos whose grains read the time from <paramref name="clock"/> (null: the system clock).</summary>
    public static async Task<TestCluster> StartAsync(string connectionString, int silos, TimeProvider? clock, params string[] siloSettings)
    {
        var cluster = new TestCluster(connectionString, silos, siloSettings) { _clock = clock };
        for (var i = 0; i < silos; i++) await cluster.StartSiloAsync(i);
        await cluster.StartGatewayAsync();
        return cluster;
    }

    public async Task StartSiloAsync(int index = 0)
    {
        if (_silos[index] is not null) throw new InvalidOperationException($"Silo {index} is running.");
        var clock = _clock;
        var silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={_connectionString}", $"--Silo:Port={_ports[index]}", .. Quiet, .. _siloSettings],
            clock is null ? null : services => services.AddSingleton(clock));
        await silo.StartAsync();
        _silos[index] = silo;
    }

    /// <summary>Adds and starts one more silo; returns its index.</summary>
    public async Task<int> AddSiloAsync()
    {
        _ports.Add(SiloHostBuilder.FreeLoopbackPort());
        _silos.Add(null);
        await StartSiloAsync(_silos.Count - 1);
        return _silos.Count - 1;
    }

    /// <summary>Graceful stop: hands off partitions, flushes activations and releases leases, as on SIGTERM.</summary>
    public async Task StopSiloAsync(int index = 0)
    {
        if (_silos[index] is not { } silo) return;
        await silo.StopAsync();
        await silo.DisposeAsync();
        _silos[index] = null;
    }

    private async Task StartGatewayAsync()
    {
        var address = await StartGatewayProcessAsync([]);
        Gateway = Client(address, null);
        Admin = Client(address, AdminToken);
        Metering = Client(address, ServiceToken);
    }

    /// <summary>Starts one more gateway (a second frontend of the same cluster); returns a metering client for it.</summary>
    public async Task<HttpClient> AddGatewayAsync(params string[] settings) => Client(await StartGatewayProcessAsync(settings), ServiceToken);

    /// <summary>Stops gateway <paramref name="index"/> (0 is the first) as on SIGTERM: it drains what it buffered.</summary>
    public async Task StopGatewayAsync(int index)
    {
        await _gateways[index].StopAsync();
    }

    private async Task<Uri> StartGatewayProcessAsync(string[] settings)
    {
        var port = SiloHostBuilder.FreeLoopbackPort();
        var gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{port}", $"--Admin:Token={AdminToken}", $"--Metering:ServiceToken={ServiceToken}",
            $"--Postgres:ConnectionString={_connectionString}", .. _ports.Select((p, i) => $"--Cluster:Silos:{i}={Address(p)}"), .. Quiet, .. settings]);
        await gateway.StartAsync();
        _gateways.Add(gateway);
        return new Uri($"http://127.0.0.1:{port}");
    }

    private HttpClient Client(Uri address, string? token)
    {
        var client = new HttpClient { BaseAddress = address };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _clients.Add(client);
        return client;
    }

    public T SiloService<T>(int index = 0) where T : notnull => Silo(index).Services.GetRequiredService<T>();

    private static string Address(int port) => $"http://127.0.0.1:{port}";


    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        foreach (var gateway in _gateways)
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }
        for (var i = 0; i < _silos.Count; i++) await StopSiloAsync(i);
        _client.Dispose();
        _directory.Dispose();
    }
}
