using Tollgate.Grains.Keys;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>Rate limits through the metering API: 3 silos and 2 gateways, real PostgreSQL.</summary>
public sealed class RateLimitTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const int Limit = 20;

    [Theory]
    [InlineData("account")]
    [InlineData("key")]
    [InlineData("ip")]
    [InlineData("model")]
    public async Task Ten_times_the_limit_at_once_through_two_gateways_allows_exactly_the_limit(string scope)
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 3);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, "acme");
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        var path = scope switch
        {
            "account" => "/admin/accounts/acme/limits",
            "key" => $"/admin/keys/{keyId}/limits",
            "ip" => "/admin/ips/198.51.100.7/limits",
            _ => "/admin/models/m1/limits",
        };
        await AdminAsync(cluster.Admin, HttpMethod.Put, path, $$"""{"requests_per_minute":{{Limit}}}""");

        // Each request from its own IP unless the IP is the scope under test, so only one limit can bind.
        var answers = await Task.WhenAll(Enumerable.Range(0, 10 * Limit).Select(i => Task.Run(() => AuthorizeAsync(
            i % 2 == 0 ? cluster.Metering : second, $"req-{i}", apiKey: key, ip: scope == "ip" ? "198.51.100.7" : $"10.0.{i / 250}.{i % 250}"))));

        Assert.Equal(Limit, answers.Count(Allowed));
        Assert.All(answers.Where(a => !Allowed(a)), a =>
        {
            Assert.Equal("rate_limited", Reason(a));
            Assert.Equal($"{scope}.requests_per_minute", a.GetProperty("limit").GetString());
            Assert.True(a.GetProperty("retry_after_ms").GetInt64() > 0);
            Assert.Equal(0, a.GetProperty("rate_limit").GetProperty("requests").GetProperty("remaining").GetInt64());
        });
    }

    [Fact]
    public async Task No_sliding_window_of_a_minute_ever_allows_more_than_the_limit()
    {
        // Start half a second before a minute boundary, where a fixed window would allow twice the limit.
        var start = DateTimeOffset.UtcNow;
        var clock = new ManualClock(new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, TimeSpan.Zero).AddMinutes(2).AddMilliseconds(-500));
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 3, clock);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        const int limit = 10;
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/limits", $$"""{"requests_per_minute":{{limit}}}""");

        var allowedAt = new List<DateTimeOffset>();
        var random = new Random(7);
        var next = 0;
        for (var step = 0; step < 150; step++)
        {
            var now = clock.GetUtcNow();
            var burst = step == 0 ? 2 * limit : random.Next(1, 5);
            var answers = await Task.WhenAll(Enumerable.Range(0, burst).Select(_ => Interlocked.Increment(ref next))
                .Select(i => AuthorizeAsync(i % 2 == 0 ? cluster.Metering : second, $"req-{i}", account: "acme", ip: $"10.1.{i / 250}.{i % 250}")));
            allowedAt.AddRange(answers.Where(Allowed).Select(_ => now));
            clock.Advance(TimeSpan.FromMilliseconds(step == 0 ? 1_000 : random.Next(0, 4_000))); // step 0 crosses the boundary
        }

        Assert.Equal(limit, allowedAt.Count(t => t < allowedAt[0].AddSeconds(60))); // nothing more right after the boundary
        for (var i = 0; i < allowedAt.Count; i++)
            Assert.True(allowedAt.Count(t => t > allowedAt[i].AddSeconds(-60) && t <= allowedAt[i]) <= limit, $"more than {limit} in the minute before {allowedAt[i]:O}");
        Assert.True(allowedAt.Count >= 4 * limit, $"only {allowedAt.Count} allowed over {clock.GetUtcNow() - allowedAt[0]}"); // and the limit does come back
    }

    [Fact]
    public async Task Token_limits_hold_the_estimate_and_are_corrected_by_the_actual_count_at_settle()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 3);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/limits", """{"tokens_per_minute":1000,"tokens_per_day":100000}""");

        var first = await AuthorizeAsync(cluster.Metering, "r1", account: "acme", input: 300, output: 500);
        Assert.True(Allowed(first));
        var tokens = first.GetProperty("rate_limit").GetProperty("tokens");
        Assert.Equal(200, tokens.GetProperty("remaining").GetInt64());
        Assert.Equal("account", tokens.GetProperty("scope").GetString());

        var denied = await AuthorizeAsync(second, "r2", account: "acme", input: 300, output: 500);
        Assert.Equal("rate_limited", Reason(denied));
        Assert.Equal("account.tokens_per_minute", denied.GetProperty("limit").GetString());

        await SettleAsync(second, first, input: 60, output: 40); // only 100 of the 800 held were used
        var third = await AuthorizeAsync(cluster.Metering, "r3", account: "acme", input: 300, output: 500);
        Assert.True(Allowed(third));
        Assert.Equal(100, third.GetProperty("rate_limit").GetProperty("tokens").GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task A_denial_gives_back_what_other_grains_granted_but_still_counts_against_the_caller_ip()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 3);
        var second = await cluster.AddGatewayAsync();
        await CreateAccountAsync(cluster.Admin, "poor", 0);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, "poor");
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/keys/{keyId}/limits", """{"requests_per_minute":5,"max_concurrent":5}""");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/models/m1/limits", """{"requests_per_minute":5}""");

        // The account denies 20 requests for lack of credit: the key and model take none of them.
        for (var i = 0; i < 20; i++) Assert.Equal("insufficient_credit", Reason(await AuthorizeAsync(i % 2 == 0 ? cluster.Metering : second, $"poor-{i}", apiKey: key, ip: $"10.2.0.{i}")));
        await AdminAsync(cluster.Admin, HttpMethod.Post, "/admin/accounts/poor/adjustments", """{"amount":1000000000,"reason":"top-up","actor":"test","idempotency_key":"t1"}""");
        // One at a time: concurrent callers could see the key and the model grant different requests
        // (they are asked in parallel), which admits fewer than the limit, never more.
        var allowed = 0;
        for (var i = 0; i < 10; i++) allowed += Allowed(await AuthorizeAsync(cluster.Metering, $"paid-{i}", apiKey: key, ip: $"10.3.0.{i}")) ? 1 : 0;
        Assert.Equal(5, allowed);

        // Denied requests count against the caller IP: bad keys use up its limit.
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/defaults/limits", """{"requests_per_minute":3}""");
        foreach (var gateway in new[] { cluster.Metering, second })
        {
            await Eventually.TrueAsync(async () => (await AuthorizeAsync(gateway, $"probe-{Guid.NewGuid()}", apiKey: "tg_bad", ip: "203.0.113.50"))
                .GetProperty("limits").EnumerateArray().Any(l => l.GetProperty("scope").GetString() == "ip"), "the IP defaults never reached a gateway", seconds: 15);
        }
        for (var i = 0; i < 3; i++) await AuthorizeAsync(second, $"bad-{i}", apiKey: "tg_not_a_key", ip: "203.0.113.9");
        var afterBadKeys = await AuthorizeAsync(cluster.Metering, "good", apiKey: key, ip: "203.0.113.9");
        Assert.Equal("ip.requests_per_minute", afterBadKeys.GetProperty("limit").GetString());
    }

    [Fact]
    public async Task A_limited_caller_ip_is_asked_alone_so_the_keys_and_models_it_makes_up_cost_no_activation()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, "acme");
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/defaults/limits", """{"requests_per_minute":3}""");
        await Eventually.TrueAsync(async () => (await AuthorizeAsync(cluster.Metering, $"probe-{Guid.NewGuid()}", apiKey: key, ip: "203.0.113.1"))
            .GetProperty("limits").EnumerateArray().Any(l => l.GetProperty("scope").GetString() == "ip"), "the IP defaults never reached the gateway", seconds: 15);

        for (var i = 0; i < 3; i++) Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, $"ok-{i}", apiKey: key, ip: "203.0.113.9")));
        for (var i = 0; i < 50; i++)
        {
            var answer = await AuthorizeAsync(cluster.Metering, $"flood-{i}", apiKey: $"{ApiKeyFormat.Prefix}{i:x16}_{new string('A', 43)}", ip: "203.0.113.9", model: $"made-up-{i}");
            Assert.Equal("ip.requests_per_minute", answer.GetProperty("limit").GetString());
        }

        // Only the first denial asked the key and model grains (the gateway learned then that the IP is limited).
        var active = (await cluster.ActivationsAsync()).Select(a => a.GrainId.ToString()).ToList();
        Assert.Single(active, id => id.StartsWith("model/made-up-", StringComparison.Ordinal));
        Assert.Single(active, id => id.StartsWith("apikey/", StringComparison.Ordinal) && id != $"apikey/{keyId}");

        // Still counted at the IP, and still answered by it: once an operator lifts the limit, the caller is admitted at once.
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/203.0.113.9/limits", """{"requests_per_minute":1000}""");
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "lifted", apiKey: key, ip: "203.0.113.9")));
    }

    [Fact]
    public async Task IPv6_callers_are_limited_per_64_prefix()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 3);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/2001:db8:0:7::99/limits", """{"requests_per_minute":2}"""); // any address of the /64

        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "a", account: "acme", ip: "2001:db8:0:7::1")));
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "b", account: "acme", ip: "2001:db8:0:7:abcd::2")));
        var third = await AuthorizeAsync(cluster.Metering, "c", account: "acme", ip: "2001:db8:0:7:ffff:ffff:ffff:ffff");
        Assert.Equal("ip.requests_per_minute", third.GetProperty("limit").GetString());
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "d", account: "acme", ip: "2001:db8:0:8::1"))); // the next /64
    }
}
