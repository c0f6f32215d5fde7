using System.Text.Json;
using Npgsql;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Persistence;

/// <summary>Databases made by earlier versions upgrade with nothing lost: the retired runtime's (main at 28fab14), and one from before credit grants (1b99322).</summary>
public sealed class UpgradeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Key = "tg_b31df2f9ac158677_-kiVPWjQcFEYg9I9IOkwZX2TZUODm_-f6XJOLG4P97s";

    [Fact]
    public async Task Accounts_ledger_usage_keys_prices_and_limits_of_the_old_runtime_survive_the_upgrade()
    {
        var database = await postgres.CreateDatabaseAsync();
        await RestoreAsync(database, "main-28fab14.sql");
        Assert.Equal(1024, await Ledger.ScalarAsync(database, "SELECT count(*) FROM partition_leases"));

        await SiloDatabase.MigrateAsync(database, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning);

        // The runtime's own tables are gone; its grain state moved to Orleans' storage, as it was.
        Assert.Equal(0, await Ledger.ScalarAsync(database,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('partition_leases', 'silos', 'grain_state')"));
        Assert.Equal(4, await Ledger.ScalarAsync(database, "SELECT count(*) FROM orleans_storage WHERE service_id = 'tollgate'"));

        // Denials kept for ever: the fixture's are from 2026-12-01, and this test must not expire with them.
        await using var cluster = await TestCluster.StartAsync(database, 1, null, null, null, ["--Metering:DenialRetention=00:00:00"]);
        using (var account = await cluster.Admin.GetAsync("/admin/accounts/acme?ledger_limit=10"))
        {
            var body = await ReadAsync(account);
            Assert.Equal(4_998_896_500, body.GetProperty("balance").GetInt64());
            Assert.Equal(1_000, body.GetProperty("overdraft_limit").GetInt64());
            Assert.Equal(["r1", "adj-1", "initial"], body.GetProperty("ledger").EnumerateArray().Select(e => e.GetProperty("key").GetString()));
        }
        Assert.Equal(new Ledger.Totals(4_998_896_500, 4_998_896_500, 3), await Ledger.ReadAsync(database, "acme"));

        // The key still opens the account, at the price and limits set before the upgrade.
        var allowed = await AuthorizeAsync(cluster.Metering, "after-upgrade", apiKey: Key, ip: "203.0.113.9", model: "gpt-4o-mini");
        Assert.True(Allowed(allowed), allowed.ToString());
        Assert.Equal(150_000_000, allowed.GetProperty("price").GetProperty("input_per_million").GetInt64());
        Assert.False(allowed.GetProperty("price").TryGetProperty("extras", out _)); // a schedule from before price components prices input and output alone
        Assert.Contains(allowed.GetProperty("limits").EnumerateArray(), l => l.GetProperty("scope").GetString() == "model" && l.GetProperty("limit").GetInt64() == 1_000);
        Assert.Contains(allowed.GetProperty("limits").EnumerateArray(), l => l.GetProperty("scope").GetString() == "ip" && l.GetProperty("limit").GetInt64() == 100);
        using (var ip = await cluster.Admin.GetAsync("/admin/ips/203.0.113.7/limits"))
            Assert.Equal(7, (await ReadAsync(ip)).GetProperty("settings").GetProperty("requests_per_minute").GetInt64());

        // The usage recorded before the upgrade is there to query: the settled request and the denied one.
        using (var usage = await cluster.Admin.GetAsync("/api/usage?account=acme&since=2026-01-01T00:00:00Z"))
        {
            var totals = (await ReadAsync(usage)).GetProperty("totals");
            Assert.Equal(103_500, totals.GetProperty("charged").GetInt64());
            Assert.Equal(1, totals.GetProperty("denied").GetInt64());
            Assert.Equal(0, totals.GetProperty("kinds").GetProperty("cached_input_tokens").GetInt64()); // rows from before token kinds have none
        }
        // A settle after the upgrade is charged at the old schedule's price, as before it.
        var settled = await SettleAsync(cluster.Metering, allowed, 1_000, 100);
        Assert.Equal(new Tollgate.Grains.Metering.Price(150_000_000, allowed.GetProperty("price").GetProperty("output_per_million").GetInt64()).Cost(1_000, 100),
            settled.GetProperty("cost").GetInt64());
    }

    [Fact]
    public async Task Balances_made_before_credit_grants_become_one_paid_grant_each_a_negative_one_a_debt_and_charges_draw_from_them()
    {
        var database = await postgres.CreateDatabaseAsync();
        await RestoreAsync(database, "main-1b99322.sql");

        await SiloDatabase.MigrateAsync(database, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning);

        await Ledger.AssertExactAsync(database); // each balance is its grant's (or a debt), and the ledger still sums to it
        await using var cluster = await TestCluster.StartAsync(database);
        var grant = Assert.Single((await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme/grants"))).EnumerateArray());
        Assert.Equal(("balance", "paid", "active", JsonValueKind.Null), (grant.GetProperty("grant_id").GetString(), grant.GetProperty("kind").GetString(),
            grant.GetProperty("status").GetString(), grant.GetProperty("expires_at").ValueKind));
        Assert.Equal((5_498_965_000, 5_498_965_000), (grant.GetProperty("amount").GetInt64(), grant.GetProperty("remaining").GetInt64()));
        Assert.Empty((await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/owing/grants"))).EnumerateArray());
        Assert.Single((await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme/budgets"))).EnumerateArray()); // and its budget is still there

        // A charge draws from the migrated grant; credit to the account in debt pays the debt first.
        var allowed = await AuthorizeAsync(cluster.Metering, "after-grants", account: "acme", model: "gpt-4o-mini");
        Assert.True(Allowed(allowed), allowed.ToString());
        var settled = await SettleAsync(cluster.Metering, allowed, 1_000, 1_000);
        var remaining = (await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme/grants"))).EnumerateArray().Single().GetProperty("remaining").GetInt64();
        Assert.Equal(5_498_965_000 - settled.GetProperty("charged").GetInt64(), remaining);
        using (var credit = await cluster.Admin.PostAsync("/admin/accounts/owing/grants", Json("""{"grant_id":"repay","amount":1000000}""")))
            Assert.Equal(200_000, (await ReadAsync(credit)).GetProperty("remaining").GetInt64()); // 800,000 of it paid the debt
        await Ledger.AssertExactAsync(database);
    }

    private static async Task RestoreAsync(string database, string fixture)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var restore = new NpgsqlCommand(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Persistence", "Fixtures", fixture)), connection);
        await restore.ExecuteNonQueryAsync();
    }
}
