using Tollgate.Gateway.Cluster;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
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

        Assert.Equal(charged with { Repeated = true }, again); // the first answer, marked a repeat
        Assert.Equal(new Ledger.Totals(10_000 - charged.Charged, 10_000 - charged.Charged, 2), await Ledger.ReadAsync(database, "twice"));
        Assert.Equal(1, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE request_id = 'r1'"));
    }

    [Fact]
    public async Task A_checkpoint_of_a_stale_activation_cannot_overwrite_a_newer_one()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var first = await TestCluster.StartAsync(database);
        await using var second = await TestCluster.StartAsync(database);
        // 20 a minute: a loss budget of one request, so every second admission is acted on only once its checkpoint holds it.
        var limits = new LimitSettings(RequestsPerMinute: 20, TokensPerMinute: null, TokensPerDay: null, MaxConcurrent: null);
        Task<Admission> AuthorizeAsync(TestCluster cluster, string requestId, Action? asked = null) => cluster.Grains.CallerIp("10.9.9.9").Durably(ip =>
        {
            asked?.Invoke();
            return ip.Authorize(new AuthorizeIp(requestId, 0, 600, limits));
        }, static admission => admission);
        Assert.True((await AuthorizeAsync(second, "s1")).Allowed); // no checkpoint yet

        for (var i = 1; i <= 4; i++) Assert.True((await AuthorizeAsync(first, $"f{i}")).Allowed);
        Assert.Equal((2, 4), await StoredAsync(database)); // two checkpoints: after its second and its fourth admission
        var asks = 0;
        var admitted = await AuthorizeAsync(second, "s2", () => asks++);

        // The stale activation's checkpoint (2 requests, over no row) was refused, and its answer with it; asked again,
        // the grain counted on from the stored 4.
        Assert.True(admitted.Allowed);
        Assert.Equal(2, asks);
        Assert.Equal(20 - 5, admitted.Limits.Single(l => l.Name == "requests_per_minute").Remaining);
        Assert.Equal((2, 4), await StoredAsync(database));
    }

    /// <summary>The version of the caller IP's stored checkpoint and the requests it counts.</summary>
    private static async Task<(long Version, long Requests)> StoredAsync(string database) => (
        await Ledger.ScalarAsync(database, "SELECT version FROM limit_windows"),
        await Ledger.ScalarAsync(database, "SELECT sum(c::bigint) FROM limit_windows, jsonb_array_elements_text(state -> 'Requests' -> 'Counts') c"));
}
