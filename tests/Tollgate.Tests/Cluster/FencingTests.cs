using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Cluster;

/// <summary>
/// Two activations of one account at once, as Orleans' eventually consistent directory allows while
/// membership changes: here made for certain by two clusters (different cluster ids) on one database.
/// </summary>
public sealed class FencingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_write_of_a_stale_activation_is_refused_and_the_callers_retry_reaches_a_fresh_one()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var first = await TestCluster.StartAsync(database);
        await using var second = await TestCluster.StartAsync(database);
        await first.Grains.Account("dup").Create(new CreateAccount(0, 1_000, "test"));
        var stale = second.Grains.Account("dup");
        Assert.Equal(1_000, (await stale.Get(new GetAccount(0, null))).Balance); // activated at version 1

        // The first activation moves the row on; the second still holds version 1 in memory.
        Assert.Equal(1_010, (await first.Grains.Account("dup").Adjust(new AdjustCredit(10, "first", "test", "k1"))).BalanceAfter);
        var retriesBefore = second.ClientRetries;
        var adjusted = await stale.Adjust(new AdjustCredit(20, "second", "test", "k2"));

        // Its write was refused by the version; it deactivated, and the retry reloaded the committed row.
        Assert.Equal(1_030, adjusted.BalanceAfter);
        Assert.True(second.ClientRetries > retriesBefore, "the stale write was not refused");
        Assert.Equal(new Ledger.Totals(1_030, 1_030, 3), await Ledger.ReadAsync(database, "dup"));
        // The repeat of either adjustment, from either cluster, is answered as first applied, not applied again.
        Assert.Equal(1_010, (await second.Grains.Account("dup").Adjust(new AdjustCredit(10, "first", "test", "k1"))).BalanceAfter);
        Assert.Equal(new Ledger.Totals(1_030, 1_030, 3), await Ledger.ReadAsync(database, "dup"));
    }

    [Fact]
    public async Task A_settle_computed_by_a_stale_activation_never_charges_twice()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var first = await TestCluster.StartAsync(database);
        await using var second = await TestCluster.StartAsync(database);
        await first.Grains.Account("twice").Create(new CreateAccount(0, 10_000, "test"));
        var price = new Grains.Metering.Price(1_000_000, 1_000_000);
        var usage = new Grains.Metering.SettleRequest("r1", "m", null, null, 100, 100, price, null, "success", false, null, null);
        Assert.Equal(10_000, (await second.Grains.Account("twice").Get(new GetAccount(0, null))).Balance);

        // Both activations are asked to settle the same request (a gateway retried on another route).
        var charged = await first.Grains.Account("twice").Settle(usage);
        var again = await second.Grains.Account("twice").Settle(usage);

        Assert.Equal(charged, again);
        Assert.Equal(new Ledger.Totals(10_000 - charged.Charged, 10_000 - charged.Charged, 2), await Ledger.ReadAsync(database, "twice"));
        Assert.Equal(1, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE request_id = 'r1'"));
    }
}
