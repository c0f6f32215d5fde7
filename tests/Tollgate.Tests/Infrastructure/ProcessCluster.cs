using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Cluster;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// Tollgate as deployed: silos as separate processes with PostgreSQL membership, and gateways (in this
/// process) that reach them as Orleans clients over TCP, finding them in the membership table.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly TestGateways _gateways;
    private readonly string[] _siloSettings;

    private ProcessCluster(string database, string[] siloSettings, string[] gatewaySettings)
    {
        Database = database;
        _siloSettings = siloSettings;
        _gateways = new TestGateways(database, client: null, gatewaySettings);
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
    public long Retries => Enumerable.Range(0, _gateways.Count).Sum(g => _gateways[g].Services.GetRequiredService<RetryTransientFailures>().Retries);

    /// <param name="siloSettings">Extra <c>--Key=Value</c> settings of every silo.</param>
    public static Task<ProcessCluster> StartAsync(string database, int silos, int gateways, params string[] siloSettings) =>
        StartAsync(database, silos, gateways, siloSettings, gatewaySettings: []);

    /// <param name="gatewaySettings">Extra <c>--Key=Value</c> settings of every gateway.</param>
    public static async Task<ProcessCluster> StartAsync(string database, int silos, int gateways, string[] siloSettings, string[] gatewaySettings)
    {
        var cluster = new ProcessCluster(database, siloSettings, gatewaySettings);
        try
        {
            // Side by side, as a deployment starts them: joins are Orleans' to order, migrations take an advisory lock.
            var starting = Enumerable.Range(0, silos).Select(_ => SiloProcess.StartAsync(database, siloSettings)).ToList();
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                cluster.Silos.AddRange(starting.Where(start => start.IsCompletedSuccessfully).Select(start => start.Result));
            }
            for (var g = 0; g < gateways; g++) cluster.Metering.Add(cluster._gateways.Client(await cluster._gateways.StartAsync(), TestGateways.ServiceToken));
            cluster.Admin = cluster._gateways.Client(0, TestGateways.AdminToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more gateway; returns its index.</summary>
    public async Task<int> AddGatewayAsync()
    {
        var index = await _gateways.StartAsync();
        Metering.Add(_gateways.Client(index, TestGateways.ServiceToken));
        return index;
    }

    /// <summary>A client of gateway <paramref name="gateway"/> presenting <paramref name="bearer"/> (an API key, for the proxy).</summary>
    public HttpClient ClientOf(int gateway, string bearer) => _gateways.Client(gateway, bearer);

    /// <summary>Stops gateway <paramref name="index"/> as on SIGTERM.</summary>
    public Task StopGatewayAsync(int index) => _gateways[index].StopAsync();

    /// <summary>Starts silo <paramref name="index"/> again at the same address (a new generation).</summary>
    public async Task RestartSiloAsync(int index)
    {
        var old = Silos[index];
        await old.DisposeAsync();
        Silos[index] = await SiloProcess.StartAsync(Database, old.Ports, _siloSettings);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateways.DisposeAsync();
        foreach (var silo in Silos) await silo.DisposeAsync();
        TestPostgres.ReleaseConnections(Database);
    }
}
