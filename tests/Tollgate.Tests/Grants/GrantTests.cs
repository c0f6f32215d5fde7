using System.Net;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Grants;

/// <summary>
/// An account's credit as a set of grants: drawn by priority, then soonest expiry, only while in effect; an expired rest
/// written off; every ledger entry naming the grants it drew from, and the ledger summing to the balance throughout.
/// </summary>
public sealed class GrantTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const long PricePerMillion = 1_000_000_000; // 1,000 nano-USD a token
    private static readonly DateTimeOffset Start = new(2030, 12, 1, 12, 0, 0, TimeSpan.Zero); // ahead of the gateways' real clock, which checks a grant's expiry too

    [Fact]
    public async Task Grants_are_drawn_by_priority_then_soonest_expiry_an_expired_rest_is_written_off_and_the_ledger_matches_the_balance_throughout()
    {
        var clock = new ManualClock(Start);
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, clock: clock);
        await CreateAccountAsync(cluster.Admin, "acme", 0);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        await GrantAsync(cluster.Admin, "promo", 1_000_000, """ "kind":"promotional","priority":10,"expires_at":"2030-12-08T12:00:00Z" """);
        await GrantAsync(cluster.Admin, "soon", 2_000_000, """ "expires_at":"2030-12-31T12:00:00Z" """);
        await GrantAsync(cluster.Admin, "forever", 3_000_000, "");
        await GrantAsync(cluster.Admin, "later", 500_000, """ "priority":0,"effective_at":"2030-12-02T12:00:00Z" """);
        var account = await AccountAsync(cluster.Admin);
        Assert.Equal((6_500_000, 6_000_000), (account.GetProperty("balance").GetInt64(), account.GetProperty("available").GetInt64())); // "later" is not in effect
        await Ledger.AssertExactAsync(database);

        Assert.Equal([("promo", -1_000_000L)], await ChargeAsync(cluster, "r1", 1_000)); // priority 10 first
        Assert.Equal([("soon", -1_500_000L)], await ChargeAsync(cluster, "r2", 1_500)); // then the sooner expiry of the two at 50
        clock.Set(Start.AddDays(1));
        Assert.Equal([("later", -500_000L), ("soon", -100_000L)], await ChargeAsync(cluster, "r3", 600)); // in effect now, priority 0
        await Ledger.AssertExactAsync(database);

        clock.Set(Start.AddDays(30)); // "soon" expires with 400,000 left
        var grants = await GrantsAsync(cluster.Admin);
        Assert.Equal(("expired", 0), (grants["soon"].GetProperty("status").GetString(), grants["soon"].GetProperty("remaining").GetInt64()));
        Assert.Equal(("used", "active"), (grants["promo"].GetProperty("status").GetString(), grants["forever"].GetProperty("status").GetString()));
        var expiry = (await AccountAsync(cluster.Admin)).GetProperty("ledger").EnumerateArray().First();
        Assert.Equal(("expire", "soon", -400_000), (expiry.GetProperty("kind").GetString(), expiry.GetProperty("key").GetString(), expiry.GetProperty("amount").GetInt64()));
        Assert.Equal(3_000_000, (await AccountAsync(cluster.Admin)).GetProperty("balance").GetInt64());
        await Ledger.AssertExactAsync(database);
        Assert.Equal([("forever", -200_000L)], await ChargeAsync(cluster, "r4", 200));
        await Ledger.AssertExactAsync(database);
    }

    [Fact]
    public async Task A_grant_is_created_once_per_id_an_unused_one_can_be_voided_and_credit_pays_a_debt_first()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await AdminAsync(cluster.Admin, HttpMethod.Post, "/admin/accounts", """{"account_id":"acme","initial_credit":0,"overdraft_limit":1000000}""");
        await AdminAsync(cluster.Admin, HttpMethod.Post, "/admin/accounts/acme/adjustments", """{"amount":-600000,"reason":"billed elsewhere","actor":"ops","idempotency_key":"d1"}""");

        var first = await GrantAsync(cluster.Admin, "top-up", 1_000_000, "");
        Assert.Equal(400_000, first.GetProperty("remaining").GetInt64()); // 600,000 paid the debt
        var again = await GrantAsync(cluster.Admin, "top-up", 1_000_000, ""); // a retry: the same grant, nothing more
        Assert.Equal(first.GetProperty("created_at").GetString(), again.GetProperty("created_at").GetString());
        await AssertErrorAsync(await cluster.Admin.PostAsync("/admin/accounts/acme/grants", Json("""{"grant_id":"top-up","amount":5}""")), HttpStatusCode.Conflict, "idempotency_conflict");
        Assert.Equal(400_000, (await AccountAsync(cluster.Admin)).GetProperty("balance").GetInt64());

        await GrantAsync(cluster.Admin, "spare", 250_000, """ "kind":"promotional" """);
        using (var voided = await cluster.Admin.PostAsync("/admin/accounts/acme/grants/spare/void", Json("""{"actor":"ops"}""")))
            Assert.Equal("voided", (await ReadAsync(voided)).GetProperty("status").GetString());
        using (var repeat = await cluster.Admin.PostAsync("/admin/accounts/acme/grants/spare/void", null))
            Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        await AssertErrorAsync(await cluster.Admin.PostAsync("/admin/accounts/acme/grants/top-up/void", null), HttpStatusCode.Conflict, "grant_used");
        await AssertErrorAsync(await cluster.Admin.PostAsync("/admin/accounts/acme/grants/nope/void", null), HttpStatusCode.NotFound, "grant_not_found");
        Assert.Equal(400_000, (await AccountAsync(cluster.Admin)).GetProperty("balance").GetInt64());
        await Ledger.AssertExactAsync(database);

        // Across a restart the grants and the debt they paid are as committed.
        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        var grants = await GrantsAsync(cluster.Admin);
        Assert.Equal([("spare", "voided"), ("top-up", "active")], grants.OrderBy(g => g.Key).Select(g => (g.Key, g.Value.GetProperty("status").GetString()!)));
        Assert.Equal(400_000, (await AccountAsync(cluster.Admin)).GetProperty("available").GetInt64());
    }

    [Theory]
    [InlineData("""{"grant_id":"g","amount":0}""", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("""{"grant_id":"g","amount":-5}""", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("""{"grant_id":"g","amount":5,"kind":"gift"}""", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("""{"grant_id":"g","amount":5,"priority":101}""", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("""{"grant_id":"g","amount":5,"priority":-1}""", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("""{"grant_id":"g","amount":5,"effective_at":"2030-01-02T00:00:00Z","expires_at":"2030-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("""{"grant_id":"g","amount":5,"expires_at":"2020-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("""{"grant_id":"a b","amount":5}""", HttpStatusCode.BadRequest, "invalid_grant")]
    [InlineData("""{"amount":5}""", HttpStatusCode.BadRequest, "missing_idempotency_key")]
    [InlineData("""{"grant_id":"g"}""", HttpStatusCode.BadRequest, "missing_field")]
    [InlineData("""{"grant_id":"g","amount":5,"credit":1}""", HttpStatusCode.BadRequest, "unknown_field")]
    [InlineData("""{"grant_id":"g","amount":5,"expires_at":"tomorrow"}""", HttpStatusCode.BadRequest, "invalid_field")]
    public async Task A_bad_grant_is_refused_with_its_code_and_changes_nothing(string body, HttpStatusCode status, string code)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 0);

        await AssertErrorAsync(await cluster.Admin.PostAsync("/admin/accounts/acme/grants", Json(body)), status, code);
        Assert.Empty(await GrantsAsync(cluster.Admin));
        await AssertErrorAsync(await cluster.Admin.PostAsync("/admin/accounts/nobody/grants", Json("""{"grant_id":"g","amount":5}""")), HttpStatusCode.NotFound, "account_not_found");
    }

    private static async Task<JsonElement> GrantAsync(HttpClient admin, string id, long amount, string more)
    {
        using var response = await admin.PostAsync("/admin/accounts/acme/grants",
            Json($$"""{"grant_id":"{{id}}","amount":{{amount}}{{(more.Trim().Length == 0 ? "" : "," + more)}}}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await ReadAsync(response)).Clone();
    }

    private static async Task<Dictionary<string, JsonElement>> GrantsAsync(HttpClient admin) =>
        (await ReadAsync(await admin.GetAsync("/admin/accounts/acme/grants"))).EnumerateArray().ToDictionary(g => g.GetProperty("grant_id").GetString()!, g => g.Clone());

    private static async Task<JsonElement> AccountAsync(HttpClient admin) => (await ReadAsync(await admin.GetAsync("/admin/accounts/acme"))).Clone();

    /// <summary>Authorizes and settles a request costing <paramref name="tokens"/> × 1,000 nano-USD; answers the grants its ledger entry drew from.</summary>
    private static async Task<List<(string, long)>> ChargeAsync(TestCluster cluster, string requestId, long tokens)
    {
        var authorized = await AuthorizeAsync(cluster.Metering, requestId, account: "acme", input: tokens / 2, output: tokens - tokens / 2);
        Assert.True(Allowed(authorized), authorized.ToString());
        await SettleAsync(cluster.Metering, authorized, tokens / 2, tokens - tokens / 2);
        var entry = (await AccountAsync(cluster.Admin)).GetProperty("ledger").EnumerateArray().First(e => e.GetProperty("key").GetString() == requestId);
        return [.. entry.GetProperty("grants").EnumerateArray().Select(d => (d.GetProperty("grant_id").GetString()!, d.GetProperty("amount").GetInt64()))];
    }
}
