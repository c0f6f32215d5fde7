using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Silo.Webhooks;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Alerts;

/// <summary>
/// The alerts the account grain emits, in the same commit as the change that crossed a threshold: budget percentages once
/// a period, a balance falling below its threshold or to nothing once per crossing, a grant about to expire once; each
/// delivered signed, again after a receiver's 500, under one event id.
/// </summary>
public sealed class AlertEmissionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const long PricePerMillion = 1_000_000_000; // 1,000 nano-USD a token
    private static readonly DateTimeOffset Start = new(2030, 12, 1, 12, 0, 0, TimeSpan.Zero); // ahead of the gateways' real clock, which checks a grant's expiry too

    [Fact]
    public async Task Budget_percentages_are_sent_once_each_per_period_signed_and_again_after_the_receiver_answers_500()
    {
        var clock = new ManualClock(Start);
        var firstTries = new HashSet<string>();
        await using var receiver = await WebhookReceiver.StartAsync((request, _) =>
        {
            lock (firstTries) return Task.FromResult(firstTries.Add(request.EventId!) ? 500 : 200); // each event fails once
        });
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database, clock);
        var secret = await EndpointAsync(cluster, receiver.Url);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/daily", """{"period":"day","cap_nano_usd":1000000}""");

        for (var i = 1; i <= 4; i++) await SpendAsync(cluster, $"r{i}", 300_000); // 30 %, 60 %, 90 % (80 crossed), 120 % (95 and 100 crossed)
        var crossed = await DeliveredAsync(receiver, secret, 3, times: 2); // refused once, then delivered again
        Assert.Equal([80, 95, 100], crossed.Select(e => e.GetProperty("data").GetProperty("threshold_percent").GetInt32()).Order());
        var eighty = crossed.Single(e => e.GetProperty("data").GetProperty("threshold_percent").GetInt32() == 80);
        Assert.Equal(("budget.threshold_crossed", "account", "acme"), (eighty.GetProperty("type").GetString(),
            eighty.GetProperty("owner").GetProperty("kind").GetString(), eighty.GetProperty("owner").GetProperty("id").GetString()));
        Assert.Equal((900_000, "daily", "2030-12-01T00:00:00.0000000+00:00"), (eighty.GetProperty("data").GetProperty("settled_nano_usd").GetInt64(),
            eighty.GetProperty("data").GetProperty("budget").GetString(), eighty.GetProperty("data").GetProperty("period_start").GetString()));

        clock.Set(Start.AddDays(1)); // a new day, a new period: 80 % again
        for (var i = 1; i <= 3; i++) await SpendAsync(cluster, $"next{i}", 300_000);
        var all = await DeliveredAsync(receiver, secret, 4, times: 2);
        Assert.Equal(4, await Ledger.ScalarAsync(database, "SELECT count(*) FROM alert_outbox WHERE type = 'budget.threshold_crossed'"));
        Assert.Equal("2030-12-02T00:00:00.0000000+00:00", all.Single(e => e.GetProperty("data").GetProperty("period_start").GetString()!.StartsWith("2030-12-02"))
            .GetProperty("data").GetProperty("period_start").GetString());
    }

    [Fact]
    public async Task A_low_or_depleted_balance_is_sent_once_per_crossing_and_a_grant_about_to_expire_once()
    {
        var clock = new ManualClock(Start);
        await using var receiver = await WebhookReceiver.StartAsync();
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database, clock);
        var secret = await EndpointAsync(cluster, receiver.Url);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        await SetPriceAsync(cluster.Admin, "m1", PricePerMillion, PricePerMillion);
        using (var set = await cluster.Admin.PutAsync("/admin/accounts/acme/alerts", Json("""{"low_balance_below_nano_usd":500000,"grant_expiring_days":3}""")))
            Assert.Equal(500_000, (await ReadAsync(set)).GetProperty("low_balance_below_nano_usd").GetInt64());

        await SpendAsync(cluster, "r1", 600_000); // 400,000 left: low
        await SpendAsync(cluster, "r2", 300_000); // still low: no new crossing
        await AdminAsync(cluster.Admin, HttpMethod.Post, "/admin/accounts/acme/adjustments", """{"amount":1000000,"reason":"top-up","actor":"ops","idempotency_key":"t1"}""");
        await SpendAsync(cluster, "r3", 700_000); // from 1,100,000 to 400,000: low again
        await AdminAsync(cluster.Admin, HttpMethod.Post, "/admin/accounts/acme/adjustments", """{"amount":-400000,"reason":"refund","actor":"ops","idempotency_key":"d1"}"""); // to 0
        using (var grant = await cluster.Admin.PostAsync("/admin/accounts/acme/grants", Json("""{"grant_id":"promo","amount":50000,"expires_at":"2030-12-03T12:00:00Z"}""")))
            Assert.Equal(HttpStatusCode.Created, grant.StatusCode);
        await cluster.Admin.GetAsync("/admin/accounts/acme"); // any call notices a grant about to expire; a second one adds nothing
        await cluster.Admin.GetAsync("/admin/accounts/acme");

        var events = await DeliveredAsync(receiver, secret, 4);
        Assert.Equal([("balance.depleted", "adjust", "d1"), ("balance.low", "settle", "r1"), ("balance.low", "settle", "r3")],
            events.Where(e => e.GetProperty("type").GetString()!.StartsWith("balance.")).Select(e => (e.GetProperty("type").GetString()!,
                e.GetProperty("data").GetProperty("cause").GetProperty("kind").GetString()!, e.GetProperty("data").GetProperty("cause").GetProperty("key").GetString()!)).Order());
        var expiring = events.Single(e => e.GetProperty("type").GetString() == "grant.expiring").GetProperty("data");
        Assert.Equal(("promo", 50_000, 3), (expiring.GetProperty("grant_id").GetString(), expiring.GetProperty("remaining_nano_usd").GetInt64(), expiring.GetProperty("within_days").GetInt32()));
        Assert.Equal(4, await Ledger.ScalarAsync(database, "SELECT count(*) FROM alert_outbox WHERE account_id = 'acme'"));

        await cluster.StopSiloAsync(); // a new activation announces the grant again: the outbox keeps the first, and nothing is sent twice
        await cluster.StartSiloAsync();
        await cluster.Admin.GetAsync("/admin/accounts/acme");
        Assert.Equal(4, await Ledger.ScalarAsync(database, "SELECT count(*) FROM alert_outbox WHERE account_id = 'acme'"));
    }

    [Theory]
    [InlineData("""{"low_balance_below_nano_usd":0}""", "invalid_alerts")]
    [InlineData("""{"grant_expiring_days":0}""", "invalid_alerts")]
    [InlineData("""{"grant_expiring_days":400}""", "invalid_alerts")]
    [InlineData("""{"depleted":"yes"}""", "invalid_field")]
    [InlineData("""{"low":1}""", "unknown_field")]
    public async Task Bad_alert_settings_are_refused_and_change_nothing(string body, string code)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 0);
        await AssertErrorAsync(await cluster.Admin.PutAsync("/admin/accounts/acme/alerts", Json(body)), HttpStatusCode.BadRequest, code);
        var alerts = await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme/alerts"));
        Assert.Equal((true, 7), (alerts.GetProperty("depleted").GetBoolean(), alerts.GetProperty("grant_expiring_days").GetInt32())); // the defaults
        await AssertErrorAsync(await cluster.Admin.PutAsync("/admin/accounts/acme/budgets/daily", Json("""{"period":"day","cap_tokens":5,"alert_percents":[0]}""")),
            HttpStatusCode.BadRequest, "invalid_budget");
    }

    private static Task<TestCluster> StartAsync(string database, TimeProvider clock) =>
        TestCluster.StartAsync(database, 1, clock, null, silo => silo.Services.Configure<WebhookOptions>(webhooks =>
        {
            webhooks.PollInterval = TimeSpan.FromMilliseconds(50);
            webhooks.RetryBase = TimeSpan.FromMilliseconds(200);
            webhooks.RetryMax = TimeSpan.FromSeconds(1);
        }), ["--Webhooks:RequireHttps=false"]);

    private static async Task<string> EndpointAsync(TestCluster cluster, string url)
    {
        using var response = await cluster.Admin.PostAsync("/admin/webhooks", Json($$"""{"url":"{{url}}"}"""));
        return (await ReadAsync(response)).GetProperty("secret").GetString()!;
    }

    /// <summary>Authorizes a small hold and settles it at <paramref name="cost"/> nano-USD.</summary>
    private static async Task SpendAsync(TestCluster cluster, string requestId, long cost)
    {
        var authorized = await AuthorizeAsync(cluster.Metering, requestId, account: "acme", input: 5, output: 5);
        Assert.True(Allowed(authorized), authorized.ToString());
        var tokens = cost / 1_000;
        await SettleAsync(cluster.Metering, authorized, tokens / 2, tokens - tokens / 2);
    }

    /// <summary>The distinct events received, once <paramref name="count"/> have been, each <paramref name="times"/> times; each verified with the secret.</summary>
    private static async Task<List<JsonElement>> DeliveredAsync(WebhookReceiver receiver, string secret, int count, int times = 1)
    {
        await Eventually.TrueAsync(() => Task.FromResult(receiver.EventIds.Count >= count && receiver.EventIds.All(id => receiver.Of(id).Count >= times)),
            $"{count} events were not each received {times} times");
        var events = receiver.EventIds.Select(id => receiver.Of(id)[^1]).ToList();
        Assert.Equal(count, events.Count); // one id per crossing, however often it was sent
        Assert.All(events, e => Assert.True(WebhookReceiver.Verifies(e.Signature, e.Body, secret)));
        return [.. events.Select(e => JsonDocument.Parse(e.Body).RootElement.Clone())];
    }
}
