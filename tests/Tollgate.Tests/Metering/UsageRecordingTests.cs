using System.Net;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Metering;

public sealed class UsageRecordingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Usage = """{"id":"req-1","account_id":"acme","model":"m1","input_tokens":1000,"output_tokens":500,"stream":true,"latency_ms":1200,"caller_ip":"203.0.113.9"}""";

    [Fact]
    public async Task The_same_usage_id_sent_many_times_at_once_charges_once_and_returns_the_first_record()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await SetUpAsync(cluster);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            using var response = await cluster.Metering.PostAsync("/v1/usage", Json(Usage));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        })));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // One applied it; every other answer is that record again, marked a repeat.
        Assert.Single(responses, r => r.Body.Contains("\"repeated\":false", StringComparison.Ordinal));
        var firstBody = responses.Single(r => r.Body.Contains("\"repeated\":false", StringComparison.Ordinal)).Body;
        Assert.All(responses, r => Assert.Equal(firstBody, r.Body.Replace("\"repeated\":true", "\"repeated\":false", StringComparison.Ordinal)));
        var first = JsonDocument.Parse(firstBody).RootElement;
        const long cost = (1000 * 2_000_000L + 500 * 8_000_000L) / 1_000_000; // $2 / $8 per 1M tokens
        Assert.Equal(cost, first.GetProperty("cost").GetInt64());

        Assert.Equal(1, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE request_id = 'req-1' AND streamed AND latency_ms = 1200 AND input_price = 2000000"));
        Assert.Equal(new Ledger.Totals(1_000_000 - cost, 1_000_000 - cost, 2), await Ledger.ReadAsync(database, "acme"));

        using var conflict = await cluster.Metering.PostAsync("/v1/usage", Json(Usage.Replace("\"output_tokens\":500", "\"output_tokens\":501", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
    }

    [Fact]
    public async Task Usage_of_an_unpriced_model_is_refused_and_counted()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        await SetUpAsync(cluster);
        using var counted = new UnpricedModelCounter();

        using var response = await cluster.Metering.PostAsync("/v1/usage", Json(Usage.Replace("\"m1\"", "\"no-price-model\"", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("model_unknown", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, counted.Count("no-price-model"));
    }

    [Fact]
    public async Task The_metering_api_needs_the_service_token_and_a_live_key()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        await SetUpAsync(cluster);
        using (var anonymous = await cluster.Gateway.PostAsync("/v1/usage", Json(Usage)))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var admin = await cluster.Admin.PostAsync("/v1/usage", Json(Usage)))
            Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode); // the admin token is not a service token

        using var created = await cluster.Admin.PostAsync("/admin/accounts/acme/keys", Json("{}"));
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var withKey = Usage.Replace("\"account_id\":\"acme\"", $"\"api_key\":\"{key.GetProperty("key").GetString()}\"", StringComparison.Ordinal);
        using (var ok = await cluster.Metering.PostAsync("/v1/usage", Json(withKey)))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await MeteringCalls.AdminAsync(cluster.Admin, HttpMethod.Post, $"/admin/keys/{key.GetProperty("key_id").GetString()}/revoke", "{}");
        using var revoked = await cluster.Metering.PostAsync("/v1/usage", Json(withKey.Replace("req-1", "req-2", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
        Assert.Contains("key_revoked", await revoked.Content.ReadAsStringAsync());
    }

    private static async Task SetUpAsync(TestCluster cluster)
    {
        using (var account = await cluster.Admin.PostAsync("/admin/accounts", Json("""{"account_id":"acme","initial_credit":1000000}""")))
            Assert.Equal(HttpStatusCode.Created, account.StatusCode);
        using (var price = await cluster.Admin.PostAsync("/admin/models/m1/prices", Json("""{"input_per_million":2000000,"output_per_million":8000000}""")))
            Assert.Equal(HttpStatusCode.OK, price.StatusCode);
    }
}
