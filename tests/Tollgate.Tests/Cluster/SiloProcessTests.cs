using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Microsoft.AspNetCore.Builder;
using Tollgate.Gateway;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Runtime;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Transport;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tollgate.Tests.Cluster;

/// <summary>Silos as separate OS processes, killed and paused for real.</summary>
[Collection("postgres")]
public sealed class SiloProcessTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const string Lease = "--Silo:LeaseDuration=00:00:03";

    [Fact]
    public async Task Killing_one_of_three_silos_under_load_loses_no_acknowledged_settlement_and_charges_nothing_twice()
    {
        var database = await postgres.CreateDatabaseAsync();
        var silos = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < 3; i++) silos.Add(await SiloProcess.StartAsync(database, SiloHostBuilder.FreeLoopbackPort(), Lease));
            await WaitForOwnersAsync(database, silos.Select(s => s.Address).ToArray());
            using var client = Client(silos);
            const int accounts = 20;
            for (var a = 0; a < accounts; a++)
                await client.Grains.CallAsync(GrainTypes.AccountId($"k-{a}"), new CreateAccount(0, 1_000_000_000, "test"));

            var acknowledged = new ConcurrentDictionary<(string Account, string Request), SettleResult>();
            var unanswered = new ConcurrentQueue<(string Account, string Request)>();
            var failed = 0;
            using var stop = new CancellationTokenSource();
            async Task WorkerAsync(int worker)
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var accountId = $"k-{(worker * 7 + i) % accounts}";
                    var request = $"w{worker}-{i}";
                    var account = GrainTypes.AccountId(accountId);
                    try
                    {
                        if (!(await client.Grains.CallAsync(account, new ReserveCredit(request, 10_000, 60))).Granted) continue;
                    }
                    catch (GrainException)
                    {
                        Interlocked.Increment(ref failed);
                        continue;
                    }
                    try
                    {
                        acknowledged[(accountId, request)] = await client.Grains.CallAsync(account, new SettleCredit(request, 6_000 + i % 1_000));
                    }
                    catch (GrainException)
                    {
                        Interlocked.Increment(ref failed);
                        unanswered.Enqueue((accountId, request)); // may or may not have been charged
                    }
                }
            }

            var workers = Enumerable.Range(0, 12).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
            await Task.Delay(2_000);
            var killed = Stopwatch.StartNew();
            silos[1].Kill();
            await WaitForOwnersAsync(database, [silos[0].Address, silos[2].Address]);
            var recovery = killed.Elapsed;
            await Task.Delay(2_000);
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            // A gateway retries what it got no answer for, with the same ids: charged once at most.
            foreach (var (accountId, request) in unanswered)
            {
                var retried = await client.Grains.CallAsync(GrainTypes.AccountId(accountId), new SettleCredit(request, 6_000 + int.Parse(request.Split('-')[1]) % 1_000));
                acknowledged[(accountId, request)] = retried;
            }

            output.WriteLine($"partitions of the killed silo served again after {recovery.TotalSeconds:F1} s (lease 3 s); {acknowledged.Count} settlements acknowledged; {failed} calls failed during the outage, {unanswered.Count} settles retried");
            Assert.True(acknowledged.Count > 100, "the load ran");
            foreach (var ((accountId, request), result) in acknowledged)
            {
                Assert.Equal(result.Charged, await Ledger.ScalarAsync(database,
                    "SELECT -amount FROM ledger WHERE account_id = $1 AND kind = 'settle' AND op_key = $2", accountId, request));
            }
            Assert.Equal(acknowledged.Count, await Ledger.ScalarAsync(database, "SELECT count(*) FROM ledger WHERE kind = 'settle'"));
            for (var a = 0; a < accounts; a++)
            {
                var totals = await Ledger.ReadAsync(database, $"k-{a}");
                Assert.Equal(totals.Balance, totals.LedgerSum);
            }
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Killing_a_silo_under_authorize_and_settle_load_through_two_gateways_loses_no_acknowledged_settlement()
    {
        var database = await postgres.CreateDatabaseAsync();
        var silos = new List<SiloProcess>();
        var gateways = new List<WebApplication>();
        var clients = new List<HttpClient>();
        try
        {
            for (var i = 0; i < 3; i++) silos.Add(await SiloProcess.StartAsync(database, SiloHostBuilder.FreeLoopbackPort(), Lease));
            await WaitForOwnersAsync(database, silos.Select(s => s.Address).ToArray());
            for (var g = 0; g < 2; g++)
            {
                var port = SiloHostBuilder.FreeLoopbackPort();
                var gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{port}", "--Admin:Token=admin", "--Metering:ServiceToken=service", "--Logging:LogLevel:Default=Warning",
                    $"--Postgres:ConnectionString={database}", "--Cluster:TableRefreshInterval=00:00:01", .. silos.Select((s, i) => $"--Cluster:Silos:{i}={s.Address}")]);
                await gateway.StartAsync();
                gateways.Add(gateway);
                var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "service");
                clients.Add(client);
            }
            using var admin = new HttpClient { BaseAddress = clients[0].BaseAddress };
            admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "admin");
            const int accounts = 20;
            for (var a = 0; a < accounts; a++) await MeteringCalls.CreateAccountAsync(admin, $"k-{a}", 1_000_000_000);
            await MeteringCalls.SetPriceAsync(admin, "m1", 1_000_000, 2_000_000);

            var acknowledged = new ConcurrentDictionary<string, long>(); // request → charged
            var unanswered = new ConcurrentQueue<(string Reservation, string Request)>();
            var failed = 0;
            using var stop = new CancellationTokenSource();
            async Task WorkerAsync(int worker)
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var request = $"w{worker}-{i}";
                    var authorize = $$"""{"request_id":"{{request}}","account_id":"k-{{(worker * 7 + i) % accounts}}","caller_ip":"10.0.0.{{worker}}","model":"m1","estimated_input_tokens":500,"max_output_tokens":500}""";
                    using var authorized = await clients[i % 2].PostAsync("/v1/authorize", Http.Json(authorize));
                    if (!authorized.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failed);
                        continue;
                    }
                    var answer = JsonDocument.Parse(await authorized.Content.ReadAsStringAsync()).RootElement;
                    if (!answer.GetProperty("allowed").GetBoolean()) continue;
                    var reservation = answer.GetProperty("reservation_id").GetString()!;
                    var settle = await SettleAsync(clients[(i + 1) % 2], reservation, i % 400);
                    if (settle is { } charged) acknowledged[request] = charged;
                    else
                    {
                        Interlocked.Increment(ref failed);
                        unanswered.Enqueue((reservation, request)); // may or may not have been charged
                    }
                }
            }

            var workers = Enumerable.Range(0, 12).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
            await Task.Delay(2_000);
            silos[1].Kill();
            await WaitForOwnersAsync(database, [silos[0].Address, silos[2].Address]);
            await Task.Delay(2_000);
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            // A gateway retries a settle it got no answer for, with the same reservation: charged once at most.
            foreach (var (reservation, request) in unanswered)
                acknowledged[request] = await SettleAsync(clients[0], reservation, int.Parse(request.Split('-')[1]) % 400) ?? throw new Xunit.Sdk.XunitException($"settle of {request} failed again");

            output.WriteLine($"{acknowledged.Count} settlements acknowledged; {failed} calls failed during the outage, {unanswered.Count} settles retried");
            Assert.True(acknowledged.Count > 100, "the load ran");
            foreach (var (request, charged) in acknowledged)
            {
                Assert.Equal(charged, await Ledger.ScalarAsync(database,
                    "SELECT u.charged FROM usage_events u JOIN ledger l ON l.account_id = u.account_id AND l.kind = 'settle' AND l.op_key = u.request_id AND l.amount = -u.charged WHERE u.request_id = $1 AND u.denial IS NULL", request));
            }
            Assert.Equal(acknowledged.Count, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE denial IS NULL"));
            for (var a = 0; a < accounts; a++)
            {
                var totals = await Ledger.ReadAsync(database, $"k-{a}");
                Assert.Equal(totals.Balance, totals.LedgerSum);
            }
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
            foreach (var gateway in gateways) await gateway.DisposeAsync();
            foreach (var silo in silos) await silo.DisposeAsync();
        }

        static async Task<long?> SettleAsync(HttpClient gateway, string reservation, int outputTokens)
        {
            using var response = await gateway.PostAsync("/v1/settle", Http.Json($$"""{"reservation_id":"{{reservation}}","input_tokens":500,"output_tokens":{{outputTokens}}}"""));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("charged").GetInt64() : null;
        }
    }

    [Fact]
    public async Task A_paused_silo_loses_its_partitions_and_after_resuming_serves_and_writes_nothing_for_them()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var a = await SiloProcess.StartAsync(database, SiloHostBuilder.FreeLoopbackPort(), Lease);
        await using var b = await SiloProcess.StartAsync(database, SiloHostBuilder.FreeLoopbackPort(), Lease);
        await WaitForOwnersAsync(database, [a.Address, b.Address]);
        using var client = Client([a, b]);

        // An account whose partition silo A serves.
        var ownedByA = (await OwnersAsync(database)).Where(o => o.Value == a.Address).Select(o => o.Key).ToHashSet();
        var partitioner = new Tollgate.Runtime.Cluster.Partitioner();
        var account = Enumerable.Range(0, 10_000).Select(i => GrainTypes.AccountId($"p-{i}")).First(id => ownedByA.Contains(partitioner.PartitionOf(id)));
        var partition = partitioner.PartitionOf(account);
        await client.Grains.CallAsync(account, new CreateAccount(0, 1_000, "test"));
        await client.Grains.CallAsync(account, new AdjustCredit(10, "before pause", "test", "before"));

        a.Pause();
        try
        {
            await Eventually.TrueAsync(async () => (await OwnersAsync(database)).GetValueOrDefault(partition) == b.Address, "B did not take over A's partition");
            Assert.Equal(1_010 + 20, (await client.Grains.CallAsync(account, new AdjustCredit(20, "after takeover", "test", "after"))).BalanceAfter);
        }
        finally
        {
            a.Resume();
        }

        // Straight to A, bypassing routing: it must not serve the partition it lost while paused.
        var refused = await CallDirectlyAsync(a.Address, account, new AdjustCredit(40, "stale owner", "test", "stale"));
        Assert.Equal(HttpStatusCode.MisdirectedRequest, refused.Status);
        Assert.Equal(GrainErrorCodes.WrongSilo, refused.Code);

        Assert.Equal(0, await Ledger.ScalarAsync(database, "SELECT count(*) FROM ledger WHERE op_key = 'stale'"));
        var totals = await Ledger.ReadAsync(database, account.Key);
        Assert.Equal(new Ledger.Totals(1_030, 1_030, 3), totals);
    }

    [Fact]
    public async Task A_silo_restarted_after_a_crash_at_the_same_address_supersedes_its_old_generation_at_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        var port = SiloHostBuilder.FreeLoopbackPort();
        const string longLease = "--Silo:LeaseDuration=00:02:00"; // expiry alone would keep the partitions locked for minutes
        await using (var first = await SiloProcess.StartAsync(database, port, longLease))
        {
            using var client = Client([first]);
            await client.Grains.CallAsync(GrainTypes.AccountId("phoenix"), new CreateAccount(0, 500, "test"));
            first.Kill();
        }

        await using var second = await SiloProcess.StartAsync(database, port, longLease);
        using (var client = Client([second]))
        {
            Assert.Equal(600, (await client.Grains.CallAsync(GrainTypes.AccountId("phoenix"), new AdjustCredit(100, "after restart", "test", "k"))).BalanceAfter);
        }
        Assert.Equal(1, await Ledger.ScalarAsync(database, "SELECT count(DISTINCT owner_generation) FROM partition_leases WHERE expires_at > clock_timestamp()"));
        Assert.Equal(1, await Ledger.ScalarAsync(database, "SELECT count(*) FROM silos WHERE status = 'dead'"));
    }

    [Fact]
    public async Task Sigterm_hands_every_partition_to_the_other_silos_and_exits_cleanly()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var a = await SiloProcess.StartAsync(database, SiloHostBuilder.FreeLoopbackPort(), Lease);
        await using var b = await SiloProcess.StartAsync(database, SiloHostBuilder.FreeLoopbackPort(), Lease);
        await WaitForOwnersAsync(database, [a.Address, b.Address]);
        using (var client = Client([a, b]))
        {
            for (var i = 0; i < 50; i++) await client.Grains.CallAsync(GrainTypes.AccountId($"t-{i}"), new CreateAccount(0, 100, "test"));
        }

        await a.StopAsync();
        Assert.Equal(0, a.ExitCode);
        // Handed over, not left to expire: every partition is B's right away.
        var owners = await OwnersAsync(database);
        Assert.Equal(1024, owners.Count);
        Assert.All(owners.Values, owner => Assert.Equal(b.Address, owner));
        Assert.Equal(1, await Ledger.ScalarAsync(database, "SELECT count(*) FROM silos WHERE address = $1 AND status = 'dead'", a.Address));
    }

    private sealed class TestClient(ClusterDirectory directory, GrainClient grains) : IDisposable
    {
        public GrainClient Grains { get; } = grains;

        public void Dispose()
        {
            Grains.Dispose();
            directory.Dispose();
        }
    }

    private static TestClient Client(IEnumerable<SiloProcess> silos)
    {
        var options = new ClusterClientOptions { Silos = [.. silos.Select(s => s.Address)], TableRefreshInterval = TimeSpan.FromSeconds(1) };
        var directory = new ClusterDirectory(options, NullLogger<ClusterDirectory>.Instance);
        return new TestClient(directory, new GrainClient(TollgateMessages.Create(), directory, options, NullLogger<GrainClient>.Instance));
    }

    private static async Task<(HttpStatusCode Status, string Code)> CallDirectlyAsync<T>(string silo, GrainId grain, IGrainRequest<T> request)
    {
        var type = TollgateMessages.Create().Get(request.GetType());
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.PostAsync($"{silo}{CallEnvelope.Path}",
            new ByteArrayContent(CallEnvelope.Write(grain, type.Name, 5_000, type.SerializeRequest(request))));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("code").GetString()!);
    }

    private static async Task<Dictionary<int, string>> OwnersAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT partition_id, owner_address FROM partition_leases WHERE expires_at > clock_timestamp()", connection);
        await using var reader = await query.ExecuteReaderAsync();
        var owners = new Dictionary<int, string>();
        while (await reader.ReadAsync()) owners[reader.GetInt32(0)] = reader.GetString(1);
        return owners;
    }

    /// <summary>Waits until exactly these silos hold live leases on every partition.</summary>
    private static Task WaitForOwnersAsync(string database, string[] silos) =>
        Eventually.TrueAsync(async () =>
        {
            var owners = await OwnersAsync(database);
            return owners.Count == 1024 && owners.Values.All(silos.Contains) && silos.All(owners.ContainsValue);
        }, $"the partitions did not settle on {string.Join(", ", silos)}");

}
