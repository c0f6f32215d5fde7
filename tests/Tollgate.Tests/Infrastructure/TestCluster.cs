using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;
using Tollgate.Gateway.Cluster;
using Tollgate.Grains;
using Tollgate.Persistence;
using Tollgate.Silo;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// An in-process Tollgate for tests: silos of an Orleans <see cref="InProcessTestCluster"/> hosting Tollgate's
/// grains on a real PostgreSQL database, and gateways (HTTP on free loopback ports) that call them through
/// the test cluster's client. Silos can be stopped (gracefully, as on SIGTERM), started again, and added.
/// Membership is Orleans' in-memory one here: failure detection is tested on real processes (SiloProcessTests).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string AdminToken = TestGateways.AdminToken;
    public const string ServiceToken = TestGateways.ServiceToken;

    private readonly string _connectionString;
    private readonly InProcessTestCluster _cluster;
    private readonly List<InProcessSiloHandle?> _silos = [];
    private TestGateways? _gateways; // once the cluster is deployed: they call grains through its client

    private TestCluster(string connectionString, InProcessTestCluster cluster)
    {
        _connectionString = connectionString;
        _cluster = cluster;
    }

    private TestGateways Gateways => _gateways ?? throw new InvalidOperationException("The cluster is not deployed.");

    /// <summary>The connection string of the cluster's database.</summary>
    public string Database => _connectionString;

    /// <summary>Calls grains as a gateway does (through the cluster's client, with its retries).</summary>
    public IGrainFactory Grains => _cluster.Client;

    /// <summary>Retried attempts of grain calls so far.</summary>
    public long ClientRetries => _cluster.Client.ServiceProvider.GetRequiredService<RetryTransientFailures>().Retries;

    /// <summary>An HTTP client for the gateway; <see cref="Admin"/> adds the admin token.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    /// <summary>An HTTP client for the gateway's metering API (service token).</summary>
    public HttpClient Metering { get; private set; } = null!;

    public int SiloCount => _silos.Count;

    /// <summary>Starts silos and a gateway on the database (migrated first).</summary>
    public static Task<TestCluster> StartAsync(string connectionString, int silos = 1, TimeProvider? clock = null, GroupCommitOptions? commits = null) =>
        StartAsync(connectionString, silos, clock, commits, configureSilo: null);

    /// <param name="clock">Tollgate's clock in the grains (trials, prices, windows); Orleans keeps the system clock.</param>
    /// <param name="configureSilo">More configuration of every silo (e.g. membership or directory options).</param>
    public static Task<TestCluster> StartAsync(string connectionString, int silos, TimeProvider? clock, GroupCommitOptions? commits, Action<ISiloBuilder>? configureSilo) =>
        StartAsync(connectionString, silos, clock, commits, configureSilo, gatewaySettings: []);

    /// <param name="gatewaySettings">Configuration of every gateway (e.g. <c>--Proxy:Providers:fake:BaseUrl=…</c>).</param>
    public static async Task<TestCluster> StartAsync(
        string connectionString, int silos, TimeProvider? clock, GroupCommitOptions? commits, Action<ISiloBuilder>? configureSilo, string[] gatewaySettings)
    {
        await SiloDatabase.MigrateAsync(connectionString, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = "tollgate"; // the service id stored state is kept under, as deployed
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddTollgateGrains(connectionString, commits ?? new GroupCommitOptions());
            if (clock is not null) silo.Services.AddKeyedSingleton(TollgateClock.Key, clock);
            configureSilo?.Invoke(silo);
        });
        // As a deployed gateway's client (ClusterConnection): retries, and grain calls that carry the trace context.
        builder.ConfigureClient(client =>
        {
            client.UseTollgateRetries(new ClusterClientSettings()).AddActivityPropagation();
            if (clock is not null) client.Services.AddKeyedSingleton(TollgateClock.Key, clock); // the gateways price by it too
        });
        var cluster = new TestCluster(connectionString, builder.Build());
        try
        {
            await cluster._cluster.DeployAsync();
            cluster._silos.AddRange(cluster._cluster.Silos);
            cluster._gateways = new TestGateways(connectionString, cluster._cluster.Client, gatewaySettings);
            var first = await cluster._gateways.StartAsync();
            cluster.Gateway = cluster._gateways.Client(first, null);
            cluster.Admin = cluster._gateways.Client(first, AdminToken);
            cluster.Metering = cluster._gateways.Client(first, ServiceToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A silo's services (its group committer, say).</summary>
    public T SiloService<T>(int index = 0) where T : notnull =>
        (_silos[index] ?? throw new InvalidOperationException($"Silo {index} is stopped.")).SiloHost.Services.GetRequiredService<T>();

    /// <summary>Starts silo <paramref name="index"/> again after <see cref="StopSiloAsync"/> (a new incarnation).</summary>
    public async Task StartSiloAsync(int index = 0)
    {
        if (_silos[index] is not null) throw new InvalidOperationException($"Silo {index} is running.");
        _silos[index] = await _cluster.StartAdditionalSiloAsync();
        await _cluster.WaitForLivenessToStabilizeAsync();
    }

    /// <summary>Adds and starts one more silo; returns its index.</summary>
    public async Task<int> AddSiloAsync()
    {
        _silos.Add(await _cluster.StartAdditionalSiloAsync());
        await _cluster.WaitForLivenessToStabilizeAsync();
        return _silos.Count - 1;
    }

    /// <summary>Graceful stop, as on SIGTERM: the silo deactivates its grains (flushing their holds) and leaves.</summary>
    public async Task StopSiloAsync(int index = 0)
    {
        if (_silos[index] is not { } silo) return;
        await _cluster.StopSiloAsync(silo);
        _silos[index] = null;
    }

    /// <summary>Moves a grain's activation to silo <paramref name="index"/> by Orleans' migration; completes once it left its silo.</summary>
    public Task MigrateAsync(IAddressable grain, int index) =>
        _cluster.MigrateAsync(grain, (_silos[index] ?? throw new InvalidOperationException($"Silo {index} is stopped.")).SiloAddress);

    /// <summary>The index of the silo hosting the grain's activation (activating it if it has none).</summary>
    public async Task<int> HostOfAsync(string grainId)
    {
        var host = (await ActivationsAsync()).Single(a => a.GrainId.ToString() == grainId).SiloAddress;
        return _silos.FindIndex(silo => silo?.SiloAddress.Equals(host) == true);
    }

    /// <summary>Every activation in the cluster, with the silo it is on (Orleans' management grain).</summary>
    public async Task<DetailedGrainStatistic[]> ActivationsAsync() => await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();

    /// <summary>Starts one more gateway (a second frontend of the same cluster); returns a metering client for it.</summary>
    public async Task<HttpClient> AddGatewayAsync(params string[] settings) => Gateways.Client(await Gateways.StartAsync(settings), ServiceToken);

    /// <summary>The base address of gateway <paramref name="gateway"/> (0 is the first), for clients other than <see cref="HttpClient"/>.</summary>
    public Uri GatewayAddress(int gateway = 0) => Gateways.Address(gateway);

    /// <summary>A client of gateway <paramref name="gateway"/> presenting <paramref name="bearer"/> (an API key, for the proxy).</summary>
    public HttpClient ClientOf(int gateway, string bearer) => Gateways.Client(gateway, bearer);

    /// <summary>The services of gateway <paramref name="gateway"/> (0 is the first): its endpoints, options, singletons.</summary>
    public IServiceProvider GatewayServices(int gateway = 0) => Gateways[gateway].Services;

    /// <summary>Stops gateway <paramref name="index"/> (0 is the first) as on SIGTERM: it drains what it buffered.</summary>
    public Task StopGatewayAsync(int index) => Gateways[index].StopAsync();

    public async ValueTask DisposeAsync()
    {
        if (_gateways is not null) await _gateways.DisposeAsync();
        await _cluster.DisposeAsync();
        TestPostgres.ReleaseConnections(_connectionString);
    }
}
