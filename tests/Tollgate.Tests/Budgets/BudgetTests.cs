using System.Net;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Budgets;

/// <summary>
/// Budgets on accounts and keys: checked in the account's authorize, so exact across gateways; the hold counts and the
/// settle corrects it; kept with the account through restarts; counted from the usage when set mid-period.
/// </summary>
public sealed class BudgetTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    // 1,000 nano-USD a token: a request of 100 + 100 tokens holds 200,000 nano-USD.
    private const long PricePerMillion = 1_000_000_000;
    private const long WorstCase = 200_000;

    [Fact]
    public async Task Two_hundred_concurrent_authorizes_through_two_gateways_admit_exactly_what_the_budget_funds_and_settling_frees_the_rest()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, silos: 2);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000); // credit is not what limits it
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/daily", $$"""{"period":"day","cap_nano_usd":{{50 * WorstCase}}}""");

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            AuthorizeAsync(i % 2 == 0 ? cluster.Metering : second, $"r{i}", account: "acme")));

        var allowed = answers.Where(Allowed).ToList();
        Assert.Equal(50, allowed.Count);
        Assert.All(answers.Where(answer => !Allowed(answer)), denied => Assert.Equal("budget_exceeded", Reason(denied)));
        var denial = answers.First(answer => !Allowed(answer));
        Assert.Equal("account/daily", denial.GetProperty("limit").GetString());
        Assert.Contains("day budget 'daily' of account 'acme'", denial.GetProperty("message").GetString());
        var listed = Assert.Single(allowed[0].GetProperty("budgets").EnumerateArray()); // the authorize lists the budgets it counted against
        Assert.Equal("daily", listed.GetProperty("name").GetString());

        var budget = await BudgetAsync(cluster.Admin, "/admin/accounts/acme/budgets", "daily");
        Assert.Equal(50 * WorstCase, budget.GetProperty("spent_nano_usd").GetInt64());
        Assert.Equal(50 * WorstCase, budget.GetProperty("held_nano_usd").GetInt64());

        // Each request used half of what it held: the budget counts what they cost, and funds 25 more.
        await Task.WhenAll(allowed.Select(answer => SettleAsync(cluster.Metering, answer, 50, 50)));
        budget = await BudgetAsync(cluster.Admin, "/admin/accounts/acme/budgets", "daily");
        Assert.Equal(25 * WorstCase, budget.GetProperty("spent_nano_usd").GetInt64());
        // Stored as counted: concurrent settles of one account commit together, their charges combined into one row.
        Assert.Equal(25 * WorstCase, await Ledger.ScalarAsync(database,
            "SELECT sum((spend ->> 'NanoUsd')::bigint) FROM accounts, jsonb_each(budget_spend) AS entry(name, spend) WHERE account_id = 'acme'"));
        Assert.Equal(0, budget.GetProperty("held_nano_usd").GetInt64());
        var more = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => AuthorizeAsync(i % 2 == 0 ? cluster.Metering : second, $"more{i}", account: "acme")));
        Assert.Equal(25, more.Count(Allowed));
    }

    [Fact]
    public async Task A_key_budget_caps_the_key_alone_and_its_denial_names_the_key()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        var (capped, cappedKey) = await CreateKeyAsync(cluster.Admin, "acme");
        var (_, freeKey) = await CreateKeyAsync(cluster.Admin, "acme");
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/keys/{capped}/budgets/tokens", """{"period":"12h","cap_tokens":2000}""");

        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            AuthorizeAsync(i % 2 == 0 ? cluster.Metering : second, $"r{i}", apiKey: i < 30 ? cappedKey : freeKey)));

        Assert.Equal(10, answers.Take(30).Count(Allowed)); // 2,000 tokens of 200 each
        Assert.Equal(30, answers.Skip(30).Count(Allowed)); // the other key is not capped
        var denial = answers.Take(30).First(answer => !Allowed(answer));
        Assert.Equal("budget_exceeded", Reason(denial));
        Assert.Equal("key/tokens", denial.GetProperty("limit").GetString());
        Assert.Contains($"key '{capped}'", denial.GetProperty("message").GetString());
        var budget = await BudgetAsync(cluster.Admin, $"/admin/keys/{capped}/budgets", "tokens");
        Assert.Equal(2000, budget.GetProperty("spent_tokens").GetInt64());
        Assert.Equal(0, budget.GetProperty("remaining_tokens").GetInt64());
        Assert.Empty((await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme/budgets"))).EnumerateArray()); // the account has none of its own
    }

    [Fact]
    public async Task Concurrent_settles_of_two_keys_store_every_budgets_spend()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/daily", """{"period":"day","cap_tokens":1000000}""");
        var keys = new[] { await CreateKeyAsync(cluster.Admin, "acme"), await CreateKeyAsync(cluster.Admin, "acme") };
        foreach (var (keyId, _) in keys)
            await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/keys/{keyId}/budgets/daily", """{"period":"day","cap_tokens":1000000}""");

        // Settles of one account that commit together combine into one row of it: each key's spend must survive the other's.
        await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
            await SettleAsync(cluster.Metering, await AuthorizeAsync(cluster.Metering, $"r{i}", apiKey: keys[i % 2].Key), 10, 10)));

        var stored = await Ledger.TextAsync(database,
            "SELECT string_agg(name || '=' || (spend ->> 'Tokens'), ',' ORDER BY name COLLATE \"C\") FROM accounts, jsonb_each(budget_spend) AS entry(name, spend) WHERE account_id = 'acme'");
        Assert.Equal(string.Join(',', new[] { "a/daily=1200" }.Concat(keys.Select(key => $"k/{key.KeyId}/daily=600")).Order(StringComparer.Ordinal)), stored);
        await Ledger.AssertExactAsync(database); // and the combined draws left the grant what the ledger says
    }

    [Fact]
    public async Task A_budget_set_mid_period_counts_what_the_period_already_spent_and_keeps_it_across_a_restart()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, "acme");
        for (var i = 0; i < 4; i++) await SettleAsync(cluster.Metering, await AuthorizeAsync(cluster.Metering, $"before{i}", apiKey: key), 100, 100);

        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/monthly", $$"""{"period":"month","cap_nano_usd":{{10 * WorstCase}}}""");
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/keys/{keyId}/budgets/daily", """{"period":"day","cap_tokens":1400,"time_zone":"Asia/Tokyo"}""");
        Assert.Equal(4 * WorstCase, (await BudgetAsync(cluster.Admin, "/admin/accounts/acme/budgets", "monthly")).GetProperty("spent_nano_usd").GetInt64());
        Assert.Equal(800, (await BudgetAsync(cluster.Admin, $"/admin/keys/{keyId}/budgets", "daily")).GetProperty("spent_tokens").GetInt64());

        var held = await AuthorizeAsync(cluster.Metering, "held", apiKey: key); // a hold the restart must carry
        Assert.True(Allowed(held));
        await SettleAsync(cluster.Metering, await AuthorizeAsync(cluster.Metering, "settled", apiKey: key), 100, 100);
        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();

        var monthly = await BudgetAsync(cluster.Admin, "/admin/accounts/acme/budgets", "monthly");
        Assert.Equal(6 * WorstCase, monthly.GetProperty("spent_nano_usd").GetInt64()); // four before, the settled one and the hold
        Assert.Equal(WorstCase, monthly.GetProperty("held_nano_usd").GetInt64());
        // The key's budget has 1,400 - 1,200 = 200 tokens left: one more request, then none.
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "last", apiKey: key)));
        var refused = await AuthorizeAsync(cluster.Metering, "over", apiKey: key);
        Assert.Equal("budget_exceeded", Reason(refused));
        Assert.Equal("key/daily", refused.GetProperty("limit").GetString());

        // Changing only the cap keeps the count; deleting the budget lifts it.
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/keys/{keyId}/budgets/daily", """{"period":"day","cap_tokens":1600,"time_zone":"Asia/Tokyo"}""");
        Assert.Equal(1400, (await BudgetAsync(cluster.Admin, $"/admin/keys/{keyId}/budgets", "daily")).GetProperty("spent_tokens").GetInt64());
        using (var deleted = await cluster.Admin.DeleteAsync($"/admin/keys/{keyId}/budgets/daily")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty((await ReadAsync(await cluster.Admin.GetAsync($"/admin/keys/{keyId}/budgets"))).EnumerateArray());
        Assert.Equal(0, await Ledger.ScalarAsync(database, "SELECT count(*) FROM accounts, jsonb_object_keys(budget_spend) k WHERE k LIKE 'k/%'"));
    }

    [Fact]
    public async Task A_migrated_account_carries_its_budgets_their_holds_and_what_they_settled()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, silos: 2);
        await CreateAccountAsync(cluster.Admin, "mover", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, "mover");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/mover/budgets/weekly", """{"period":"week","cap_nano_usd":1000000000}""");
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/keys/{keyId}/budgets/hourly", """{"period":"1h","cap_tokens":10000}""");
        await SettleAsync(cluster.Metering, await AuthorizeAsync(cluster.Metering, "settled", apiKey: key), 30, 20);
        var held = await AuthorizeAsync(cluster.Metering, "held", apiKey: key);
        var before = (await TextAsync(cluster.Admin, "/admin/accounts/mover/budgets"), await TextAsync(cluster.Admin, $"/admin/keys/{keyId}/budgets"));

        var from = await cluster.HostOfAsync("account/mover");
        await cluster.MigrateAsync(cluster.Grains.GetGrain<Tollgate.Grains.Accounts.IAccountGrain>("mover"), 1 - from);

        Assert.Equal(1 - from, await cluster.HostOfAsync("account/mover"));
        var after = (await TextAsync(cluster.Admin, "/admin/accounts/mover/budgets"), await TextAsync(cluster.Admin, $"/admin/keys/{keyId}/budgets"));
        Assert.Equal(before.Item1, after.Item1);
        Assert.Equal(before.Item2, after.Item2); // a rolling period's count too: it starts at a whole second, as stored
        var hourly = await BudgetAsync(cluster.Admin, $"/admin/keys/{keyId}/budgets", "hourly");
        Assert.Equal((250, 200), (hourly.GetProperty("spent_tokens").GetInt64(), hourly.GetProperty("held_tokens").GetInt64()));
        await SettleAsync(cluster.Metering, held, 100, 100); // the carried hold is the one settled
        Assert.Equal(0, (await BudgetAsync(cluster.Admin, $"/admin/keys/{keyId}/budgets", "hourly")).GetProperty("held_tokens").GetInt64());
    }

    private static async Task<string> TextAsync(HttpClient admin, string path)
    {
        using var response = await admin.GetAsync(path);
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-10-31T12:00:00Z", "month", "2026-10-31T23:00:00Z", "2026-11-01T00:00:00+01:00")] // a month ends at local midnight, CET
    [InlineData("Europe/Berlin", "2027-03-28T12:00:00Z", "day", "2027-03-28T22:00:00Z", "2027-03-29T00:00:00+02:00")] // clocks go forward: a 23-hour day
    [InlineData("Europe/Berlin", "2026-10-25T12:00:00Z", "day", "2026-10-25T23:00:00Z", "2026-10-26T00:00:00+01:00")] // clocks go back: a 25-hour day
    [InlineData("America/New_York", "2026-11-01T12:00:00Z", "day", "2026-11-02T05:00:00Z", "2026-11-02T00:00:00-05:00")] // clocks go back: a 25-hour day
    [InlineData("America/New_York", "2026-11-30T12:00:00Z", "month", "2026-12-01T05:00:00Z", "2026-12-01T00:00:00-05:00")]
    [InlineData("America/New_York", "2027-03-14T12:00:00Z", "week", "2027-03-15T04:00:00Z", "2027-03-15T00:00:00-04:00")] // a week from Monday, with a 23-hour Sunday
    public async Task A_calendar_budget_resets_at_local_midnight_of_its_zone_and_not_an_hour_off(string zone, string spentAt, string period, string resetAt, string shown)
    {
        var clock = new ManualClock(DateTimeOffset.Parse(spentAt));
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, clock: clock);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/time_zone", $$"""{"time_zone":"{{zone}}"}""");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/cap", $$"""{"period":"{{period}}","cap_tokens":200}""");

        await SettleAsync(cluster.Metering, await AuthorizeAsync(cluster.Metering, "spent", account: "acme"), 100, 100); // all 200 tokens
        var budget = await BudgetAsync(cluster.Admin, "/admin/accounts/acme/budgets", "cap");
        Assert.Equal(shown, budget.GetProperty("resets_at").GetString()![..shown.Length]);
        Assert.Equal(zone, budget.GetProperty("time_zone").GetString());

        var reset = DateTimeOffset.Parse(resetAt);
        foreach (var before in new[] { TimeSpan.FromHours(1), TimeSpan.FromSeconds(1) })
        {
            clock.Set(reset - before); // a UTC calendar, or a zone's standard offset all year, would reset within this hour
            Assert.Equal("budget_exceeded", Reason(await AuthorizeAsync(cluster.Metering, $"early{before.TotalSeconds}", account: "acme")));
        }
        clock.Set(reset);
        var allowed = await AuthorizeAsync(cluster.Metering, "after", account: "acme");
        Assert.True(Allowed(allowed));
        Assert.Equal(200, (await BudgetAsync(cluster.Admin, "/admin/accounts/acme/budgets", "cap")).GetProperty("held_tokens").GetInt64()); // the new period, from zero
    }

    [Fact]
    public async Task Changing_the_accounts_zone_moves_the_budgets_that_follow_it_and_counts_their_new_period()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-03T22:30:00Z")); // Dec 3 in UTC and in Berlin
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, clock: clock);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/daily", """{"period":"day","cap_tokens":1000}""");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/utc", """{"period":"day","cap_tokens":1000,"time_zone":"UTC"}""");
        await SettleAsync(cluster.Metering, await AuthorizeAsync(cluster.Metering, "dec3", account: "acme"), 100, 100);
        clock.Set(DateTimeOffset.Parse("2026-12-03T23:30:00Z")); // already Dec 4 in Berlin, still Dec 3 in UTC
        await SettleAsync(cluster.Metering, await AuthorizeAsync(cluster.Metering, "dec4", account: "acme"), 100, 100);

        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/time_zone", """{"time_zone":"Europe/Berlin"}""");

        var daily = await BudgetAsync(cluster.Admin, "/admin/accounts/acme/budgets", "daily");
        Assert.Equal(200, daily.GetProperty("spent_tokens").GetInt64()); // Berlin's Dec 4 began at 23:00 UTC: only the second request
        Assert.Equal("2026-12-05T00:00:00+01:00", daily.GetProperty("resets_at").GetString());
        Assert.Equal(400, (await BudgetAsync(cluster.Admin, "/admin/accounts/acme/budgets", "utc")).GetProperty("spent_tokens").GetInt64()); // its own zone: unmoved
    }

    [Theory]
    [InlineData("daily", """{"period":"day","cap_nano_usd":-1}""", HttpStatusCode.BadRequest, "invalid_budget")]
    [InlineData("daily", """{"period":"day","cap_tokens":-5}""", HttpStatusCode.BadRequest, "invalid_budget")]
    [InlineData("daily", """{"period":"day"}""", HttpStatusCode.BadRequest, "invalid_budget")]
    [InlineData("daily", """{"period":"fortnight","cap_tokens":5}""", HttpStatusCode.BadRequest, "invalid_period")]
    [InlineData("daily", """{"period":"0h","cap_tokens":5}""", HttpStatusCode.BadRequest, "invalid_period")]
    [InlineData("daily", """{"period":"day","cap_tokens":5,"time_zone":"Mars/Olympus_Mons"}""", HttpStatusCode.BadRequest, "invalid_time_zone")]
    [InlineData("daily", """{"cap_tokens":5}""", HttpStatusCode.BadRequest, "missing_field")]
    [InlineData("daily", """{"period":"day","cap_tokens":5,"cap":1}""", HttpStatusCode.BadRequest, "unknown_field")]
    [InlineData("daily", """{"period":"day","cap_tokens":"5"}""", HttpStatusCode.BadRequest, "invalid_field")]
    [InlineData("Daily!", """{"period":"day","cap_tokens":5}""", HttpStatusCode.BadRequest, "invalid_budget")]
    public async Task A_bad_budget_is_refused_with_its_code_and_changes_nothing(string name, string body, HttpStatusCode status, string code)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 0);
        var (keyId, _) = await CreateKeyAsync(cluster.Admin, "acme");

        await AssertErrorAsync(await cluster.Admin.PutAsync($"/admin/accounts/acme/budgets/{Uri.EscapeDataString(name)}", Json(body)), status, code);
        await AssertErrorAsync(await cluster.Admin.PutAsync($"/admin/keys/{keyId}/budgets/{Uri.EscapeDataString(name)}", Json(body)), status, code);
        Assert.Empty((await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme/budgets"))).EnumerateArray());
    }

    [Fact]
    public async Task Budgets_of_nobody_too_many_budgets_and_deleting_one_that_is_not_there_are_clear_errors()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 0);
        const string budget = """{"period":"day","cap_tokens":5}""";

        await AssertErrorAsync(await cluster.Admin.PutAsync("/admin/accounts/nobody/budgets/daily", Json(budget)), HttpStatusCode.NotFound, "account_not_found");
        await AssertErrorAsync(await cluster.Admin.PutAsync("/admin/keys/0123456789abcdef/budgets/daily", Json(budget)), HttpStatusCode.NotFound, "key_not_found");
        await AssertErrorAsync(await cluster.Admin.GetAsync("/admin/keys/nope/budgets"), HttpStatusCode.BadRequest, "invalid_key_id");
        await AssertErrorAsync(await cluster.Admin.DeleteAsync("/admin/accounts/acme/budgets/daily"), HttpStatusCode.NotFound, "budget_not_found");
        for (var i = 0; i < 8; i++) await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/accounts/acme/budgets/b{i}", budget);
        await AssertErrorAsync(await cluster.Admin.PutAsync("/admin/accounts/acme/budgets/b8", Json(budget)), HttpStatusCode.Conflict, "too_many_budgets");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/b0", """{"period":"week","cap_tokens":9}"""); // replacing one is not one more
        Assert.Equal(8, (await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme/budgets"))).GetArrayLength());
    }

    private static async Task<JsonElement> BudgetAsync(HttpClient admin, string path, string name) =>
        (await ReadAsync(await admin.GetAsync(path))).EnumerateArray().Single(budget => budget.GetProperty("name").GetString() == name).Clone();
}
