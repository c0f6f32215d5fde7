using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Cluster;

/// <summary>
/// Silos that serve the gateway's APIs themselves (<c>Silo:ApiUrls</c>), as separate OS processes under authorize/settle
/// load: each request's grain calls go through its silo's own client, so a silo that stops or dies must cost the other
/// silos' APIs nothing that a separate gateway would not lose.
/// </summary>
[Collection(Serial.Name)]
public sealed class CoHostedGatewayTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Accounts = 20;
    private const int Callers = 4;

    [Fact]
    public async Task Killing_one_of_three_silos_serving_the_apis_loses_no_acknowledged_settlement_at_the_others()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silos = await CoHostedSilos.StartAsync(database, 3);
        await SeedAsync(silos.Admin(0));
        var load = new PairLoad([silos.Metering(0), silos.Metering(1)], Accounts); // the APIs of the silos that live on
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(Callers, stop.Token);
        await load.RunsOnAsync(100, "the load did not start");

        var victims = await silos.AccountsOnAsync(2);
        Assert.NotEmpty(victims); // something is at stake
        var killed = Stopwatch.StartNew();
        silos[2].Kill();
        // Its accounts answer again through the others' APIs, moved to their silos.
        await Task.WhenAll(victims.Select((account, i) =>
            Eventually.TrueAsync(async () => (await silos.Admin(i % 2).GetAsync($"/admin/accounts/{account}")).IsSuccessStatusCode,
                $"account {account} did not answer after the crash", seconds: 30)));
        var recovery = killed.Elapsed;
        await load.RunsOnAsync(100, "the load did not go on after the crash");
        await stop.CancelAsync();
        await running;
        var failed = load.Failed;
        await load.RetryUnansweredAsync();

        output.WriteLine($"SIGKILL of 1 of 3 silos serving the APIs: its {victims.Count} accounts answered again after {recovery.TotalSeconds:F1} s; " +
            $"{load.Acknowledged.Count} settlements acknowledged; {failed} HTTP calls failed at the others' APIs; longest call {load.MaxLatency.TotalSeconds:F1} s");
        Assert.True(load.Acknowledged.Count > 200, "the load ran");
        Assert.True(recovery < TimeSpan.FromSeconds(10), $"the killed silo's accounts answered again only after {recovery.TotalSeconds:F1} s");
        await load.AssertMoneyExactAsync(database);
    }

    [Fact]
    public async Task A_silo_serving_the_apis_stopped_with_sigterm_under_load_fails_no_call_of_the_others_and_exits_cleanly()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silos = await CoHostedSilos.StartAsync(database, 2);
        await SeedAsync(silos.Admin(0));
        var load = new PairLoad([silos.Metering(0)], Accounts);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(Callers, stop.Token);
        await load.RunsOnAsync(100, "the load did not start");

        var moved = await silos.AccountsOnAsync(1);
        Assert.NotEmpty(moved); // the load calls grains on the silo that stops
        var stopping = Stopwatch.StartNew();
        await silos[1].StopAsync(); // its accounts move to silo 0, whose API keeps serving them
        var stopped = stopping.Elapsed;
        await load.RunsOnAsync(100, "the load did not go on after the stop");
        await stop.CancelAsync();
        await running;

        output.WriteLine($"SIGTERM of 1 of 2 silos serving the APIs, hosting {moved.Count} of the {Accounts} accounts: it exited in {stopped.TotalSeconds:F1} s; {load.Acknowledged.Count} settlements acknowledged at the other's API, " +
            $"{load.Failed} HTTP calls failed, longest call {load.MaxLatency.TotalSeconds:F1} s");
        Assert.Equal(0, silos[1].ExitCode);
        Assert.True(stopped < CoHostedGateway.ShutdownTimeout, $"the silo took {stopped.TotalSeconds:F1} s to stop");
        Assert.Equal(0, load.Failed);
        await load.AssertMoneyExactAsync(database);
    }

    private static async Task SeedAsync(HttpClient admin)
    {
        await SetPriceAsync(admin, "m1", 1_000_000, 2_000_000);
        foreach (var account in Enumerable.Range(0, Accounts).Select(PairLoad.AccountId))
        {
            await CreateAccountAsync(admin, account, 1_000_000_000);
            await AdminAsync(admin, HttpMethod.Put, $"/admin/accounts/{account}/budgets/{PairLoad.Budget}", """{"period":"366d","cap_nano_usd":1000000000000}""");
        }
    }

    /// <summary>Silo processes, each serving the gateway's APIs on a port of its own, with HTTP clients of those APIs.</summary>
    private sealed class CoHostedSilos(string database) : IAsyncDisposable
    {
        private readonly List<(SiloProcess Silo, Uri Api)> _silos = [];
        private readonly List<HttpClient> _clients = [];
        private TestGateways? _inspector; // a separate gateway, for its Orleans client: which silo hosts what

        public SiloProcess this[int index] => _silos[index].Silo;

        public static async Task<CoHostedSilos> StartAsync(string database, int count)
        {
            var silos = new CoHostedSilos(database);
            try
            {
                await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
                {
                    var api = new Uri($"http://127.0.0.1:{FreePort.Loopback()}");
                    var silo = await SiloProcess.StartAsync(database, $"--Silo:ApiUrls={api}",
                        $"--Admin:Token={TestGateways.AdminToken}", $"--Metering:ServiceToken={TestGateways.ServiceToken}");
                    lock (silos._silos) silos._silos.Add((silo, api));
                }));
                // The silo's own /health answers once it has joined; its APIs start right after.
                using var probe = new HttpClient();
                foreach (var (_, api) in silos._silos)
                    await Eventually.TrueAsync(async () => await ReadyAsync(probe, api), $"the APIs at {api} did not become ready", seconds: 30);
                silos._inspector = new TestGateways(database, client: null, []);
                await silos._inspector.StartAsync();
                return silos;
            }
            catch
            {
                await silos.DisposeAsync();
                throw;
            }
        }

        public HttpClient Metering(int index) => Client(index, TestGateways.ServiceToken);

        /// <summary>The accounts whose activations live on silo <paramref name="index"/>.</summary>
        public async Task<List<string>> AccountsOnAsync(int index) =>
            (await _inspector![0].Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
                .Where(a => a.SiloAddress.Endpoint.Port == this[index].Ports.Silo && a.GrainId.Type.ToString() == "account")
                .Select(a => a.GrainId.Key.ToString()!).ToList();

        public HttpClient Admin(int index) => Client(index, TestGateways.AdminToken);

        private HttpClient Client(int index, string token)
        {
            var http = new HttpClient { BaseAddress = _silos[index].Api, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            _clients.Add(http);
            return http;
        }

        private static async Task<bool> ReadyAsync(HttpClient probe, Uri api)
        {
            try
            {
                return (await probe.GetAsync(new Uri(api, "/health/ready"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var http in _clients) http.Dispose();
            if (_inspector is not null) await _inspector.DisposeAsync();
            foreach (var (silo, _) in _silos) await silo.DisposeAsync();
            TestPostgres.ReleaseConnections(database); // this process's pooled connections to it (the checks' queries)
        }
    }
}
