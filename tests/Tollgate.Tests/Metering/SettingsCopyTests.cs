using System.Collections.Concurrent;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>
/// Gateways keep copies of the settings a request is checked against (caller IP limits, models without limits), so a
/// caller IP no limit applies to and a model without limits are not called; a change made through any gateway takes
/// effect at every other within twice <c>Metering:SettingsRefresh</c>, and at once at the gateway it was made through.
/// </summary>
public sealed class SettingsCopyTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Refresh = "00:00:00.25";
    private static readonly TimeSpan Bound = 2 * TimeSpan.Parse(Refresh, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Without_limits_on_the_caller_ip_or_the_model_an_authorize_and_a_settle_call_the_account_alone()
    {
        var calls = new ConcurrentDictionary<string, int>();
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 1, null, null, silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            calls.AddOrUpdate($"{context.TargetId.Type}.{context.InterfaceMethod.Name}", 1, (_, count) => count + 1);
            await context.Invoke();
        }));
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 2_000_000);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "warm", account: "acme"))); // the gateway reads its copies
        calls.Clear();

        const int pairs = 20;
        for (var i = 0; i < pairs; i++)
        {
            var authorized = await AuthorizeAsync(cluster.Metering, $"r{i}", account: "acme", ip: $"198.51.100.{i + 1}");
            Assert.True(Allowed(authorized));
            Assert.Equal(100 + 2 * 100, (await SettleAsync(cluster.Metering, authorized, 100, 100)).GetProperty("charged").GetInt64());
        }

        Assert.Equal(pairs, calls.GetValueOrDefault("account.Authorize"));
        Assert.Equal(pairs, calls.GetValueOrDefault("account.Settle"));
        Assert.DoesNotContain(calls.Keys, call => call.StartsWith("ip.", StringComparison.Ordinal) && !call.EndsWith(".GetLimits", StringComparison.Ordinal));
        Assert.DoesNotContain(calls.Keys, call => call.StartsWith("model.", StringComparison.Ordinal) && !call.EndsWith(".Get", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_price_a_model_limit_and_a_caller_ip_limit_set_through_one_gateway_take_effect_at_another_within_the_bound()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 1, null, null, null, [$"--Metering:SettingsRefresh={Refresh}"]);
        var other = await cluster.AddGatewayAsync($"--Metering:SettingsRefresh={Refresh}");
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        Assert.Equal(1_000_000, InputPrice(await AuthorizeAsync(other, "before", account: "acme", ip: "203.0.113.7"))); // the other gateway has its copies

        await SetPriceAsync(cluster.Admin, "m1", 3_000_000, 1_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/203.0.113.7/limits", """{"requests_per_minute":1}""");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/models/m1/limits", """{"requests_per_minute":1}""");
        await Task.Delay(Bound);

        var first = await AuthorizeAsync(other, "after-1", account: "acme", ip: "203.0.113.7");
        Assert.Equal(3_000_000, InputPrice(first));
        Assert.Equal("rate_limited", Reason(await AuthorizeAsync(other, "after-2", account: "acme", ip: "203.0.113.7"))); // the IP's own limit
        Assert.Equal("rate_limited", Reason(await AuthorizeAsync(other, "after-3", account: "acme", ip: "203.0.113.8"))); // the model's: its 2nd this minute, the 1st of 203.0.113.7 counted
    }

    [Fact]
    public async Task A_change_takes_effect_at_once_at_the_gateway_it_was_made_through()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 1, null, null, null, ["--Metering:SettingsRefresh=00:01:00"]);
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "before", account: "acme", ip: "203.0.113.9")));

        await SetPriceAsync(cluster.Admin, "m1", 5_000_000, 1_000_000);
        Assert.Equal(5_000_000, InputPrice(await AuthorizeAsync(cluster.Metering, "priced", account: "acme", ip: "203.0.113.9")));
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/203.0.113.9/limits", """{"requests_per_minute":1}""");
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "ip-1", account: "acme", ip: "203.0.113.9")));
        Assert.Equal("rate_limited", Reason(await AuthorizeAsync(cluster.Metering, "ip-2", account: "acme", ip: "203.0.113.9")));
        await AdminAsync(cluster.Admin, HttpMethod.Delete, "/admin/models/m1/route", "{}");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/models/m1/limits", """{"requests_per_minute":1}""");
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "model-1", account: "acme", ip: "203.0.113.10")));
        Assert.Equal("rate_limited", Reason(await AuthorizeAsync(cluster.Metering, "model-2", account: "acme", ip: "203.0.113.11")));
    }

    private static long InputPrice(JsonElement authorized)
    {
        Assert.True(Allowed(authorized), authorized.ToString());
        return authorized.GetProperty("price").GetProperty("input_per_million").GetInt64();
    }
}
