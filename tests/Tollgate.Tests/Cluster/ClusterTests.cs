using System.Collections.Concurrent;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Runtime;
using Tollgate.Runtime.Activations;
using Tollgate.Runtime.Cluster;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tollgate.Tests.Cluster;

[Collection("postgres")]
public sealed class ClusterTests(PostgresFixture postgres, ITestOutputHelper output)
{
    // Short leases so rebalancing rounds (every lease/3) come quickly in tests.
    private static readonly string[] FastLeases = ["--Silo:LeaseDuration=00:00:03"];

    [Fact]
    public async Task With_three_silos_every_grain_is_active_on_exactly_one_silo()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3, FastLeases);
        await WaitForBalanceAsync(cluster, [0, 1, 2]);

        var accounts = Enumerable.Range(0, 300).Select(i => GrainTypes.AccountId($"a{i}")).ToList();
        await Task.WhenAll(accounts.Select(a => Task.Run(() => cluster.Grains.CallAsync(a, new CreateAccount(0, 1_000, "test")))));
        await Task.WhenAll(accounts.Select(a => Task.Run(() => cluster.Grains.CallAsync(a, new ReserveCredit("r", 10, 60)))));

        var active = Enumerable.Range(0, 3).SelectMany(i => cluster.SiloService<Catalog>(i).Activations.Select(a => (Silo: i, a.Id))).ToList();
        foreach (var account in accounts) Assert.Single(active, a => a.Id == account);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Contains(active, a => a.Silo == i)); // spread, not all on one
    }

    [Fact]
    public async Task Adding_a_fourth_silo_moves_about_a_quarter_of_the_partitions_to_it()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3, FastLeases);
        await WaitForBalanceAsync(cluster, [0, 1, 2]);

        var fourth = await cluster.AddSiloAsync();
        await WaitForBalanceAsync(cluster, [0, 1, 2, fourth]);
        var held = Enumerable.Range(0, 4).Select(i => cluster.SiloService<PartitionTable>(i).HeldCount).ToList();
        output.WriteLine($"partitions per silo after the fourth joined: {string.Join(", ", held)}");
        Assert.InRange(held[fourth], 250, 262);
        Assert.Equal(1024, held.Sum());
    }

    [Fact]
    public async Task A_rolling_restart_of_every_silo_under_load_fails_no_client_call()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3, FastLeases);
        await WaitForBalanceAsync(cluster, [0, 1, 2]);
        const int accounts = 30;
        for (var a = 0; a < accounts; a++)
            await cluster.Grains.CallAsync(GrainTypes.AccountId($"roll-{a}"), new CreateAccount(0, 1_000_000_000, "test"));

        var settled = new ConcurrentDictionary<string, SettleResult>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        async Task WorkerAsync(int worker)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var accountId = $"roll-{(worker * 3 + i) % accounts}";
                var request = $"w{worker}-{i}";
                try
                {
                    var account = GrainTypes.AccountId(accountId);
                    var reserve = await cluster.Grains.CallAsync(account, new ReserveCredit(request, 10_000, 60));
                    Assert.True(reserve.Granted);
                    settled[$"{accountId}/{request}"] = await cluster.Grains.CallAsync(account, new SettleCredit(request, 7_000));
                }
                catch (GrainException ex)
                {
                    failures.Enqueue($"{ex.Code}: {ex.Message}");
                }
            }
        }

        var retriesBefore = cluster.ClientRetries;
        var workers = Enumerable.Range(0, 12).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
        await Task.Delay(500);
        for (var silo = 0; silo < 3; silo++)
        {
            await cluster.StopSiloAsync(silo);
            await cluster.StartSiloAsync(silo);
            await WaitForBalanceAsync(cluster, [0, 1, 2]);
        }
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"{settled.Count} reserve+settle pairs during the rolling restart; {cluster.ClientRetries - retriesBefore} attempts retried; {failures.Count} calls failed");
        Assert.Empty(failures);
        Assert.True(settled.Count > 200, $"the load ran ({settled.Count} settlements)");
        for (var a = 0; a < accounts; a++)
        {
            var totals = await Ledger.ReadAsync(database, $"roll-{a}");
            Assert.Equal(totals.Balance, totals.LedgerSum);
        }
        Assert.Equal(settled.Count, await Ledger.ScalarAsync(database, "SELECT count(*) FROM ledger WHERE kind = 'settle'"));
    }

    /// <summary>Waits until the given silos hold every partition, each within one of its fair share.</summary>
    internal static async Task WaitForBalanceAsync(TestCluster cluster, int[] silos)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var share = 1024 / silos.Length;
        while (true)
        {
            var held = silos.Select(i => cluster.SiloService<PartitionTable>(i).HeldCount).ToList();
            if (held.Sum() == 1024 && held.All(h => h >= share - 1 && h <= share + 1)) return;
            Assert.True(DateTime.UtcNow < deadline, $"the cluster did not balance: {string.Join(", ", held)}");
            await Task.Delay(100);
        }
    }
}
