using System.Collections.Concurrent;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tollgate.Tests.Cluster;

/// <summary>Several silos in one process (Orleans' test cluster): placement and graceful restarts under load.</summary>
public sealed class ClusterTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task With_three_silos_every_grain_is_active_on_exactly_one_silo()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3);

        var accounts = Enumerable.Range(0, 300).Select(i => cluster.Grains.Account($"a{i}")).ToList();
        await Task.WhenAll(accounts.Select(a => Task.Run(() => a.Create(new CreateAccount(0, 1_000, "test")))));
        await Task.WhenAll(accounts.Select(a => Task.Run(() => a.HoldAsync("r", 10, 60))));

        var active = (await cluster.ActivationsAsync()).Where(a => a.GrainId.ToString().StartsWith("account/", StringComparison.Ordinal)).ToList();
        foreach (var account in accounts) Assert.Single(active, a => a.GrainId == account.GetGrainId());
        // Spread over all three (random placement: about 100 each; fewer than 30 on one is a chance below one in a billion).
        var perSilo = active.GroupBy(a => a.SiloAddress).Select(silo => silo.Count()).ToList();
        Assert.Equal(3, perSilo.Count);
        Assert.All(perSilo, count => Assert.InRange(count, 30, 200));
    }

    [Fact]
    public async Task A_silo_that_joins_takes_new_activations()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 2);
        await cluster.AddSiloAsync();

        var accounts = Enumerable.Range(0, 300).Select(i => cluster.Grains.Account($"new-{i}")).ToList();
        await Task.WhenAll(accounts.Select(a => Task.Run(() => a.Create(new CreateAccount(0, 1_000, "test")))));
        var perSilo = (await cluster.ActivationsAsync()).Where(a => a.GrainId.ToString().StartsWith("account/new-", StringComparison.Ordinal))
            .GroupBy(a => a.SiloAddress).Select(g => g.Count()).ToList();
        output.WriteLine($"activations per silo after the third joined: {string.Join(", ", perSilo)}");
        Assert.Equal(3, perSilo.Count);
        Assert.All(perSilo, count => Assert.InRange(count, 30, 200)); // random placement: each silo takes a share
    }

    [Fact]
    public async Task A_rolling_restart_of_every_silo_under_load_fails_no_client_call()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3);
        const int accounts = 30;
        for (var a = 0; a < accounts; a++)
            await cluster.Grains.Account($"roll-{a}").Create(new CreateAccount(0, 1_000_000_000, "test"));

        var settled = new ConcurrentDictionary<string, RequestSettled>();
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
                    var account = cluster.Grains.Account(accountId);
                    var hold = await account.HoldAsync(request, 10_000, 60);
                    Assert.True(hold.Admission.Allowed);
                    settled[$"{accountId}/{request}"] = await account.ChargeAsync(request, 7_000);
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    failures.Enqueue($"{ex.GetType().Name}: {ex.Message}");
                }
            }
        }

        var retriesBefore = cluster.ClientRetries;
        var workers = Enumerable.Range(0, 12).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
        await Eventually.TrueAsync(() => Task.FromResult(settled.Count >= 50), "the load did not start");
        for (var silo = 0; silo < 3; silo++)
        {
            await cluster.StopSiloAsync(silo);
            await cluster.StartSiloAsync(silo);
        }
        var afterRestarts = settled.Count;
        await Eventually.TrueAsync(() => Task.FromResult(settled.Count >= afterRestarts + 50), "the load did not go on after the restarts");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"{settled.Count} authorize+settle pairs during the rolling restart; {cluster.ClientRetries - retriesBefore} attempts retried; {failures.Count} calls failed");
        Assert.Empty(failures);
        Assert.True(settled.Count > 200, $"the load ran ({settled.Count} settlements)");
        for (var a = 0; a < accounts; a++)
        {
            var totals = await Ledger.ReadAsync(database, $"roll-{a}");
            Assert.Equal(totals.Balance, totals.LedgerSum);
        }
        Assert.Equal(settled.Count, await Ledger.ScalarAsync(database, "SELECT count(*) FROM ledger WHERE kind = 'settle'"));
    }
}
