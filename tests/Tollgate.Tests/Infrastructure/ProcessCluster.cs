using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway;
using Tollgate.Gateway.Cluster;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// Tollgate as deployed: silos as separate processes with PostgreSQL membership, and gateways (in this
/// process) that reach them as Orleans clients over TCP, finding them in the membership table.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const string AdminToken = "admin";
    public const string ServiceToken = "service";

    private readonly List<WebApplication> _gateways = [];
    private readonly List<HttpClient> _clients = [];
    private readonly string[] _siloSettings;

    private ProcessCluster(string database, string[] siloSettings)
    {
        Database = database;
        _siloSettings = siloSettings;
    }

    public string Database { get; }

    public List<SiloProcess> Silos { get; } = [];

    /// <summary>Metering clients, one per gateway.</summary>
    public List<HttpClient> Metering { get; } = [];

    /// <summary>An admin client of the first gateway.</summary>
    public HttpClient Admin { get; private set; } = null!;

    /// <summary>The first gateway's Orleans client: grain calls as a gateway makes them (with its retries).</summary>
    public IClusterClient Grains => _gateways[0].Services.GetRequiredService<IClusterClient>();

    /// <summary>Attempts the gateways' grain calls repeated so far.</summary>
    public long Retries => _gateways.Sum(g => g.Services.GetRequiredService<RetryTransientFailures>().Retries);

    /// <param name="siloSettings">Extra <c>--Key=Value</c> settings of every silo.</param>
    public static async Task<ProcessCluster> StartAsync(string database, int silos, int gateways, params string[] siloSettings)
    {
        var cluster = new ProcessCluster(database, siloSettings);
        try
        {
            for (var i = 0; i < silos; i++) cluster.Silos.Add(await SiloProcess.StartAsync(database, siloSettings));
            for (var g = 0; g < gateways; g++) await cluster.AddGatewayAsync();
            cluster.Admin = cluster.Client(cluster._gateways[0], AdminToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts silo <paramref name="index"/> again at the same address (a new generation).</summary>
    public async Task RestartSiloAsync(int index)
    {
        var old = Silos[index];
        await old.DisposeAsync();
        Silos[index] = await SiloProcess.StartAsync(Database, old.Ports, _siloSettings);
    }

    private async Task AddGatewayAsync()
    {
        var port = FreePort.Loopback();
        var gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{port}", $"--Admin:Token={AdminToken}", $"--Metering:ServiceToken={ServiceToken}",
            "--Logging:LogLevel:Default=Warning", $"--Postgres:ConnectionString={Database}"]);
        await gateway.StartAsync();
        _gateways.Add(gateway);
        Metering.Add(Client(gateway, ServiceToken));
    }

    private HttpClient Client(WebApplication gateway, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        foreach (var gateway in _gateways)
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }
        foreach (var silo in Silos) await silo.DisposeAsync();
        // Orleans' ADO.NET providers pool connections by connection string; idle ones to this test's database would
        // otherwise linger for minutes and, test after test, reach the server's connection limit.
        Npgsql.NpgsqlConnection.ClearAllPools();
    }
}
