using System.Net;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>Authorize and settle: funding, prices, keys and account status. 3 silos, 2 gateways, real PostgreSQL.</summary>
public sealed class AuthorizeSettleTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Settle_charges_the_actual_cost_once_however_often_and_wherever_it_is_repeated()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 2_000_000, 8_000_000); // $2 / $8 per 1M tokens

        var authorized = await AuthorizeAsync(cluster.Metering, "r1", account: "acme", input: 1_000, output: 500);
        Assert.True(Allowed(authorized));
        Assert.Equal("credit", authorized.GetProperty("funded_by").GetString());
        Assert.Equal(6_000, authorized.GetProperty("reserved").GetInt64()); // 1,000 × 2 + 500 × 8 nano-USD
        var again = await AuthorizeAsync(second, "r1", account: "acme", input: 1_000, output: 500); // a retried authorize
        Assert.Equal(authorized.GetProperty("reservation_id").GetString(), again.GetProperty("reservation_id").GetString());

        var settled = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => SettleAsync(i % 2 == 0 ? cluster.Metering : second, authorized, 800, 100)));
        Assert.All(settled, s => Assert.Equal(2_400, s.GetProperty("charged").GetInt64()));
        Assert.Equal(new Ledger.Totals(1_000_000 - 2_400, 1_000_000 - 2_400, 2), await Ledger.ReadAsync(database, "acme"));
        Assert.Equal(1, await Ledger.ScalarAsync(database,
            "SELECT count(*) FROM usage_events WHERE request_id = 'r1' AND denial IS NULL AND cost = 2400 AND input_price = 2000000 AND authorized_at IS NOT NULL"));

        using var conflict = await second.PostAsync("/v1/settle", Json($$"""{"reservation_id":"{{authorized.GetProperty("reservation_id").GetString()}}","input_tokens":1,"output_tokens":1}"""));
        await AssertErrorAsync(conflict, HttpStatusCode.Conflict, "idempotency_conflict");
        using var forged = await second.PostAsync("/v1/settle", Json("""{"reservation_id":"rsv1.eyJhIjoxfQ","input_tokens":1,"output_tokens":1}"""));
        await AssertErrorAsync(forged, HttpStatusCode.BadRequest, "invalid_reservation");
        Assert.Equal("already_settled", Reason(await AuthorizeAsync(cluster.Metering, "r1", account: "acme")));
    }

    [Fact]
    public async Task A_request_id_settled_before_its_account_left_memory_is_never_charged_twice()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 1, null, null, Accounts.ActivationTests.QuickCollection(TimeSpan.FromSeconds(1)));
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 2_000_000, 8_000_000);
        Assert.Equal(2_400, (await SettleAsync(cluster.Metering, await AuthorizeAsync(cluster.Metering, "r1", account: "acme", input: 1_000, output: 500), 800, 100))
            .GetProperty("charged").GetInt64());
        await Eventually.TrueAsync(async () => !(await cluster.ActivationsAsync()).Any(a => a.GrainId.ToString() == "account/acme"),
            "the idle account was never collected", seconds: 30);

        // A fresh activation remembers no settled id (an authorize does not read the ledger, to stay in memory), so the repeat is
        // held; its settle meets the first settlement's ledger row, and the caller gets a conflict or the first result, never a charge.
        var repeat = await AuthorizeAsync(cluster.Metering, "r1", account: "acme", input: 1_000, output: 500);
        Assert.True(Allowed(repeat));
        using var conflict = await cluster.Metering.PostAsync("/v1/settle", Json($$"""{"reservation_id":"{{repeat.GetProperty("reservation_id").GetString()}}","input_tokens":9,"output_tokens":9}"""));
        await AssertErrorAsync(conflict, HttpStatusCode.Conflict, "idempotency_conflict");
        Assert.Equal(2_400, (await SettleAsync(cluster.Metering, repeat, 800, 100)).GetProperty("charged").GetInt64());
        Assert.Equal("already_settled", Reason(await AuthorizeAsync(cluster.Metering, "r1", account: "acme"))); // remembered again

        Assert.Equal(new Ledger.Totals(1_000_000 - 2_400, 1_000_000 - 2_400, 2), await Ledger.ReadAsync(database, "acme"));
        await Eventually.TrueAsync(async () => (await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme"))).GetProperty("pending").GetInt64() == 0,
            "the repeats' holds were not released", seconds: 15);
    }

    [Fact]
    public async Task Settle_charges_the_price_the_account_captured_whatever_the_reservation_id_claims()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        await CreateAccountAsync(cluster.Admin, "other", 1_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 2_000_000, 8_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/models/m1/limits", """{"max_concurrent":1}""");

        var authorized = await AuthorizeAsync(cluster.Metering, "same-id", account: "acme");
        // Request ids are unique per account only: another tenant's "same-id" is its own request at the shared model.
        Assert.Equal("model.max_concurrent", (await AuthorizeAsync(cluster.Metering, "same-id", account: "other")).GetProperty("limit").GetString());

        var token = authorized.GetProperty("reservation_id").GetString()!;
        var json = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan("rsv1.".Length)));
        var forged = "rsv1." + System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(
            json.Replace("\"pi\":2000000", "\"pi\":0", StringComparison.Ordinal).Replace("\"po\":8000000", "\"po\":0", StringComparison.Ordinal)));
        Assert.NotEqual(token, forged);
        using var response = await cluster.Metering.PostAsync("/v1/settle", Json($$"""{"reservation_id":"{{forged}}","input_tokens":1000,"output_tokens":500}"""));
        Assert.Equal(6_000, (await ReadAsync(response)).GetProperty("charged").GetInt64());
        // Its usage event states the price it was charged at, not the one the reservation id claimed.
        Assert.Equal(1, await Ledger.ScalarAsync(database, """
            SELECT count(*) FROM usage_events WHERE account_id = 'acme' AND request_id = 'same-id' AND denial IS NULL
                AND cost = 6000 AND input_price = 2000000 AND output_price = 8000000
            """));
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "same-id", account: "other"))); // the settle freed the model's slot
    }

    [Fact]
    public async Task Concurrent_requests_cannot_overspend_the_balance()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3);
        var second = await cluster.AddGatewayAsync();
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await CreateAccountAsync(cluster.Admin, "acme", 30 * 200); // exactly 30 requests of 200 tokens at worst

        var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() =>
            AuthorizeAsync(i % 2 == 0 ? cluster.Metering : second, $"r{i}", account: "acme", ip: $"10.9.{i / 250}.{i % 250}"))));
        var allowed = answers.Where(Allowed).ToList();
        Assert.Equal(30, allowed.Count);
        Assert.All(answers.Where(a => !Allowed(a)), a => Assert.Equal("insufficient_credit", Reason(a)));

        // Each used more than it estimated: the overage is charged only while the balance lasts (no overdraft).
        await Task.WhenAll(allowed.Select((a, i) => SettleAsync(i % 2 == 0 ? cluster.Metering : second, a, 150, 100)));
        var totals = await Ledger.ReadAsync(database, "acme");
        Assert.Equal(0, totals.Balance);
        Assert.Equal(totals.Balance, totals.LedgerSum);
        Assert.Equal(30 * 250 - 30 * 200, await Ledger.ScalarAsync(database, "SELECT sum(cost - charged) FROM usage_events WHERE account_id = 'acme'"));
    }

    [Fact]
    public async Task A_request_is_charged_the_price_captured_when_it_was_authorized()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);

        var before = await AuthorizeAsync(cluster.Metering, "before", account: "acme");
        await SetPriceAsync(cluster.Admin, "m1", 5_000_000, 5_000_000); // the price rises while "before" is in flight
        var after = await AuthorizeAsync(second, "after", account: "acme");

        Assert.Equal(1_000, (await SettleAsync(second, before, 500, 500)).GetProperty("cost").GetInt64());
        Assert.Equal(5_000, (await SettleAsync(cluster.Metering, after, 500, 500)).GetProperty("cost").GetInt64());
        Assert.Equal(1, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE request_id = 'before' AND input_price = 1000000"));
        Assert.Equal(1, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE request_id = 'after' AND input_price = 5000000"));
    }

    [Fact]
    public async Task The_trial_is_used_before_paid_credit_and_stops_at_its_expiry()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3, clock);
        var second = await cluster.AddGatewayAsync();
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000); // 1 nano-USD per token
        await CreateAccountAsync(cluster.Admin, "paid", 1_000_000);
        await CreateAccountAsync(cluster.Admin, "trial-only", 0);
        var expiry = clock.GetUtcNow().AddHours(1).ToString("O");
        foreach (var account in new[] { "paid", "trial-only" })
            await AdminAsync(cluster.Admin, HttpMethod.Post, $"/admin/accounts/{account}/trial", $$"""{"credit":1000,"requests":100,"expires_at":"{{expiry}}"}""");

        // 1,000 nano-USD of trial: four requests of 200 tokens fit, settled at 250 each.
        for (var i = 0; i < 4; i++)
        {
            var trial = await AuthorizeAsync(i % 2 == 0 ? cluster.Metering : second, $"t{i}", account: "paid", input: 100, output: 100);
            Assert.Equal("trial", trial.GetProperty("funded_by").GetString());
            var settled = await SettleAsync(second, trial, 150, 100);
            Assert.Equal(250, settled.GetProperty("trial_used").GetInt64());
            Assert.Equal(0, settled.GetProperty("charged").GetInt64());
        }
        // What the trial paid is stored with the account, not only held in memory.
        Assert.Equal(1_000, await Ledger.ScalarAsync(database, "SELECT (trial->>'UsedCredit')::bigint FROM accounts WHERE account_id = 'paid'"));
        // The trial has 0 left: the next request is paid.
        var paid = await AuthorizeAsync(cluster.Metering, "p1", account: "paid", input: 100, output: 100);
        Assert.Equal("credit", paid.GetProperty("funded_by").GetString());
        Assert.Equal(150, (await SettleAsync(cluster.Metering, paid, 100, 50)).GetProperty("charged").GetInt64());
        Assert.Equal(new Ledger.Totals(1_000_000 - 150, 1_000_000 - 150, 6), await Ledger.ReadAsync(database, "paid")); // settles write ledger rows of 0

        // A trial-only account: funded by the trial until it expires, then denied; never by a stale trial afterwards.
        Assert.Equal("trial", (await AuthorizeAsync(second, "o1", account: "trial-only")).GetProperty("funded_by").GetString());
        clock.Advance(TimeSpan.FromHours(1));
        var expired = await AuthorizeAsync(cluster.Metering, "o2", account: "trial-only");
        Assert.Equal("trial_exhausted", Reason(expired));
        await AdminAsync(cluster.Admin, HttpMethod.Post, "/admin/accounts/trial-only/adjustments", """{"amount":5000,"reason":"bought credit","actor":"test","idempotency_key":"buy-1"}""");
        Assert.Equal("credit", (await AuthorizeAsync(second, "o3", account: "trial-only")).GetProperty("funded_by").GetString());
        using var snapshot = await cluster.Admin.GetAsync("/admin/accounts/trial-only");
        Assert.False((await ReadAsync(snapshot)).GetProperty("trial").GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task An_unpriced_model_is_denied_by_default_and_counted_and_a_default_price_makes_it_chargeable()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 3);
        var priced = await cluster.AddGatewayAsync("--Metering:DefaultPrice:InputPerMillion=3000000", "--Metering:DefaultPrice:OutputPerMillion=3000000");
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        using var counted = new UnpricedModelCounter();

        var denied = await AuthorizeAsync(cluster.Metering, "r1", account: "acme", model: "mystery-model");
        Assert.Equal("model_unknown", Reason(denied));
        var allowed = await AuthorizeAsync(priced, "r2", account: "acme", model: "mystery-model");
        Assert.True(Allowed(allowed));
        Assert.Equal(600, (await SettleAsync(priced, allowed, 100, 100)).GetProperty("cost").GetInt64());
        Assert.Equal(2, counted.Count("mystery-model"));
    }

    [Fact]
    public async Task A_revoked_key_and_a_suspended_account_are_denied_on_every_gateway()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 3);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, "acme");
        var gateways = new[] { cluster.Metering, second };
        foreach (var gateway in gateways) Assert.True(Allowed(await AuthorizeAsync(gateway, $"ok-{Guid.NewGuid()}", apiKey: key)));

        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/status", """{"status":"suspended"}""");
        foreach (var gateway in gateways) Assert.Equal("account_suspended", Reason(await AuthorizeAsync(gateway, $"s-{Guid.NewGuid()}", apiKey: key)));
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/status", """{"status":"active"}""");

        await AdminAsync(cluster.Admin, HttpMethod.Post, $"/admin/keys/{keyId}/revoke", "{}");
        foreach (var gateway in gateways)
        {
            await Eventually.TrueAsync(async () => Reason(await AuthorizeAsync(gateway, $"r-{Guid.NewGuid()}", apiKey: key)) == "key_revoked",
                "a gateway kept accepting a revoked key", seconds: 5);
        }
        Assert.Equal("invalid_api_key", Reason(await AuthorizeAsync(second, "bad", apiKey: key[..^1] + (key[^1] == 'A' ? 'B' : 'A'))));
        Assert.True(Allowed(await AuthorizeAsync(second, "by-account", account: "acme"))); // the account itself is fine
    }

    [Fact]
    public async Task Bad_metering_input_gets_a_clear_4xx()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        var cases = new (string Path, string Body, string Code)[]
        {
            ("/v1/authorize", """{"request_id":"r","account_id":"a","caller_ip":"not-an-ip","model":"m","estimated_input_tokens":1,"max_output_tokens":1}""", "invalid_ip"),
            ("/v1/authorize", """{"request_id":"r","account_id":"a","caller_ip":"1.2.3.4","model":"m","estimated_input_tokens":-1,"max_output_tokens":1}""", "invalid_field"),
            ("/v1/authorize", """{"request_id":"r","account_id":"a","caller_ip":"1.2.3.4","model":"m","estimated_input_tokens":1e30,"max_output_tokens":1}""", "invalid_field"),
            ("/v1/authorize", """{"request_id":"r","caller_ip":"1.2.3.4","model":"m","estimated_input_tokens":1,"max_output_tokens":1}""", "missing_field"),
            ("/v1/authorize", """{"request_id":"r","account_id":"a","caller_ip":"1.2.3.4","model":"m","estimated_input_tokens":1,"max_output_tokens":1,"ttl_seconds":0}""", "invalid_field"),
            ("/v1/authorize", """{"request_id":"r","account_id":"a","caller_ip":"1.2.3.4","model":"m m","estimated_input_tokens":1,"max_output_tokens":1}""", "invalid_model"),
            ("/v1/authorize", """{"request_id":"r","account_id":"a","caller_ip":"1.2.3.4","model":"m1\n","estimated_input_tokens":1,"max_output_tokens":1}""", "invalid_model"),
            ("/v1/authorize", """{"request_id":"r","account_id":"a\n","caller_ip":"1.2.3.4","model":"m1","estimated_input_tokens":1,"max_output_tokens":1}""", "invalid_account_id"),
            ("/v1/settle", """{"reservation_id":"nope","input_tokens":1,"output_tokens":1}""", "invalid_reservation"),
            ("/v1/settle", """{"reservation_id":"rsv1.!!!","input_tokens":1,"output_tokens":1}""", "invalid_reservation"),
        };
        foreach (var (path, body, code) in cases)
        {
            using var response = await cluster.Metering.PostAsync(path, Json(body));
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, code);
        }
        using var limits = await cluster.Admin.PutAsync("/admin/models/m1/limits", Json("""{"requests_per_minute":0}"""));
        await AssertErrorAsync(limits, HttpStatusCode.BadRequest, "invalid_limits");
        using var trial = await cluster.Admin.PostAsync("/admin/accounts/none/trial", Json("""{"expires_at":"2099-01-01T00:00:00Z"}"""));
        await AssertErrorAsync(trial, HttpStatusCode.BadRequest, "invalid_trial");
        using var status = await cluster.Admin.PutAsync("/admin/accounts/none/status", Json("""{"status":"frozen"}"""));
        await AssertErrorAsync(status, HttpStatusCode.BadRequest, "invalid_status");
    }
}
