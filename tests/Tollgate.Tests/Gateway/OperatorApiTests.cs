using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;
using Tollgate.Gateway.Api;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Gateway;

/// <summary>What an operator reaches for: lists, void, health, and creation that answers what it wrote.</summary>
public sealed class OperatorApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Creating_an_account_answers_its_ledger_with_the_initial_credit()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        using var created = await cluster.Admin.PostAsync("/admin/accounts", Json("""{"account_id":"fresh","initial_credit":5000}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var entry = Assert.Single((await ReadAsync(created)).GetProperty("ledger").EnumerateArray());
        Assert.Equal("initial", entry.GetProperty("key").GetString());
        Assert.Equal(5000, entry.GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Accounts_are_listed_by_prefix_in_pages_and_an_accounts_keys_with_them()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        foreach (var id in new[] { "acme-1", "acme-2", "acme-3", "beta" }) await CreateAccountAsync(cluster.Admin, id, 10);
        var first = await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts?prefix=acme&limit=2"));
        Assert.Equal(["acme-1", "acme-2"], first.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("account_id").GetString()));
        Assert.Equal("acme-2", first.GetProperty("next_after").GetString());
        var second = await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts?prefix=acme&limit=2&after=acme-2"));
        Assert.Equal(["acme-3"], second.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("account_id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_after").ValueKind);
        await AssertErrorAsync(await cluster.Admin.GetAsync("/admin/accounts?prefix=a%25"), HttpStatusCode.BadRequest, "invalid_query");

        var (lost, _) = await CreateKeyAsync(cluster.Admin, "acme-1");
        var (kept, _) = await CreateKeyAsync(cluster.Admin, "acme-1");
        await CreateKeyAsync(cluster.Admin, "beta");
        await ReadAsync(await cluster.Admin.PostAsync($"/admin/keys/{lost}/revoke", Json("{}")));
        var keys = (await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme-1/keys"))).GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(new[] { kept, lost }.Order(), keys.Select(k => k.GetProperty("key_id").GetString()!).Order());
        Assert.True(keys.Single(k => k.GetProperty("key_id").GetString() == lost).GetProperty("revoked").GetBoolean());
        Assert.DoesNotContain(keys, k => k.GetRawText().Contains("tg_", StringComparison.Ordinal)); // never the key itself
        await AssertErrorAsync(await cluster.Admin.GetAsync("/admin/accounts/nobody/keys"), HttpStatusCode.NotFound, "account_not_found");
    }

    [Fact]
    public async Task Void_releases_the_hold_and_the_limit_slots_once()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/limits", """{"max_concurrent":1}""");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/models/m1/limits", """{"max_concurrent":1}""");
        var held = await AuthorizeAsync(cluster.Metering, "r1", account: "acme");
        Assert.True(Allowed(held));
        Assert.Equal("rate_limited", Reason(await AuthorizeAsync(cluster.Metering, "r2", account: "acme")));

        var body = Json($$"""{"reservation_id":"{{held.GetProperty("reservation_id").GetString()}}"}""");
        var voided = await ReadAsync(await cluster.Metering.PostAsync("/v1/void", body));
        Assert.True(voided.GetProperty("released").GetBoolean());
        Assert.Equal(200, voided.GetProperty("amount").GetInt64());
        Assert.Equal(1_000, (await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme"))).GetProperty("available").GetInt64());
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "r3", account: "acme"))); // both slots are free again

        var again = await ReadAsync(await cluster.Metering.PostAsync("/v1/void", Json($$"""{"reservation_id":"{{held.GetProperty("reservation_id").GetString()}}"}""")));
        Assert.False(again.GetProperty("released").GetBoolean());
        Assert.Equal(new Ledger.Totals(1_000, 1_000, 1), await Ledger.ReadAsync(cluster.Database, "acme"));
    }

    [Fact]
    public async Task Health_is_liveness_and_health_ready_checks_the_database_and_the_cluster()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        Assert.Equal("ok", (await ReadAsync(await cluster.Gateway.GetAsync("/health"))).GetProperty("status").GetString());
        var ready = await ReadAsync(await cluster.Gateway.GetAsync("/health/ready"));
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("ok", ready.GetProperty("database").GetString());
        Assert.Equal("ok", ready.GetProperty("cluster").GetString());

        // A storm of probes runs the checks at most once a second: the rest share the answer.
        var check = cluster.GatewayServices().GetRequiredService<ReadinessCheck>();
        var (runs, started) = (check.Runs, DateTime.UtcNow);
        var probes = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => cluster.Gateway.GetAsync("/health/ready")));
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        Assert.All(probes, probe => Assert.Equal(HttpStatusCode.OK, probe.StatusCode));
        Assert.True(check.Runs - runs <= 1 + Math.Ceiling(seconds), $"{check.Runs - runs} checks for 200 probes in {seconds:0.0} s");

        await cluster.StopSiloAsync(); // the cached answer lasts a second at most
        HttpResponseMessage? notReady = null;
        await Eventually.TrueAsync(async () => (notReady = await cluster.Gateway.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            "the gateway stayed ready without its cluster", seconds: 15);
        Assert.NotEqual("ok", JsonDocument.Parse(await notReady!.Content.ReadAsStringAsync()).RootElement.GetProperty("cluster").GetString());
    }
}
