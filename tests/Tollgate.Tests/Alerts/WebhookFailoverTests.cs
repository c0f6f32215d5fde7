using System.Net;
using Npgsql;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Alerts;

/// <summary>
/// Webhook delivery across real silo processes: a silo SIGKILLed in the middle of an attempt leaves the delivery to
/// another once its lease ends, and a receiver that deduplicates by event id takes the event once.
/// </summary>
[Collection(Serial.Name)]
public sealed class WebhookFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    /// <param name="trigger">What emits the event: an endpoint's test event, or a budget crossing its 100 % at a settle.</param>
    [Theory]
    [InlineData("test")]
    [InlineData("budget")]
    public async Task A_silo_killed_mid_delivery_leaves_it_to_another_after_the_lease_with_the_same_event_id(string trigger)
    {
        // The first attempt is held open until its caller goes; any later one is answered at once.
        await using var receiver = await WebhookReceiver.StartAsync(async (request, leaving) =>
        {
            if (request.Seen == 0) await Task.Delay(Timeout.Infinite, leaving);
            return 200;
        });
        // The attempt's timeout is long enough that the claiming silo is killed before it gives up on the held request.
        await using var cluster = await ProcessCluster.StartAsync(await postgres.CreateDatabaseAsync(), silos: 2, gateways: 1,
            ["--Webhooks:PollInterval=00:00:00.100", "--Webhooks:Timeout=00:00:20", "--Webhooks:Lease=00:00:25", "--Webhooks:RetryBase=00:00:00.200"],
            ["--Webhooks:RequireHttps=false"]);

        var created = await ReadAsync(await cluster.Admin.PostAsync("/admin/webhooks", Json($$"""{"url":"{{receiver.Url}}"}""")));
        var endpoint = created.GetProperty("endpoint_id").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        var eventId = trigger == "test" ? await SendTestAsync(cluster, endpoint) : await CrossBudgetAsync(cluster);

        await Eventually.TrueAsync(async () => await Task.FromResult(receiver.Of(eventId).Count == 1), $"{eventId} never arrived");
        var claimedBy = await ClaimedByAsync(cluster.Database, eventId);
        var victim = Assert.Single(cluster.Silos, silo => claimedBy.Contains(silo.Endpoint + ":", StringComparison.Ordinal));
        var survivor = Assert.Single(cluster.Silos, silo => silo != victim);
        victim.Kill();

        // The killed silo recorded nothing: the delivery waits for its lease to end, with the one attempt it made.
        var held = await ReadAsync(await cluster.Admin.GetAsync($"/admin/webhooks/{endpoint}/deliveries"));
        var row = Assert.Single(held.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("pending", row.GetProperty("status").GetString());
        Assert.Equal(1, row.GetProperty("attempts").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, row.GetProperty("last_error").ValueKind);

        await Eventually.TrueAsync(async () => (await ReadAsync(await cluster.Admin.GetAsync($"/admin/webhooks/{endpoint}/deliveries")))
            .GetProperty("deliveries")[0].GetProperty("status").GetString() == "delivered", $"{eventId} was not delivered after the lease", seconds: 90);
        var delivered = (await ReadAsync(await cluster.Admin.GetAsync($"/admin/webhooks/{endpoint}/deliveries"))).GetProperty("deliveries")[0];
        Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
        Assert.Contains(survivor.Endpoint + ":", await ClaimedByAsync(cluster.Database, eventId), StringComparison.Ordinal);

        // At least once on the wire, once for a receiver that deduplicates: every request carried the same id, each signed.
        var requests = receiver.Of(eventId);
        output.WriteLine($"{requests.Count} requests for {eventId}; delivered by {await ClaimedByAsync(cluster.Database, eventId)} after {victim.Endpoint} was killed");
        Assert.True(requests.Count >= 2);
        Assert.Equal([eventId], receiver.EventIds);
        Assert.All(requests, request => Assert.True(WebhookReceiver.Verifies(request.Signature, request.Body, secret)));

        // The surviving silo exports what it did on its own /metrics.
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{survivor.Ports.Http}/metrics");
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("tollgate_webhooks_deliveries", StringComparison.Ordinal) && line.Contains("outcome=\"delivered\"", StringComparison.Ordinal));
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("tollgate_webhooks_pending", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silo_stopped_gracefully_mid_delivery_hands_it_over_without_counting_the_cut_attempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(async (request, leaving) =>
        {
            if (request.Seen == 0) await Task.Delay(Timeout.Infinite, leaving);
            return 200;
        });
        await using var cluster = await ProcessCluster.StartAsync(await postgres.CreateDatabaseAsync(), silos: 2, gateways: 1,
            ["--Webhooks:PollInterval=00:00:00.100", "--Webhooks:Timeout=00:00:20", "--Webhooks:Lease=00:00:25"],
            ["--Webhooks:RequireHttps=false"]);
        var created = await ReadAsync(await cluster.Admin.PostAsync("/admin/webhooks", Json($$"""{"url":"{{receiver.Url}}"}""")));
        var endpoint = created.GetProperty("endpoint_id").GetString()!;
        using var test = await cluster.Admin.PostAsync($"/admin/webhooks/{endpoint}/test", null);
        var eventId = (await ReadAsync(test)).GetProperty("event_id").GetString()!;
        await Eventually.TrueAsync(async () => await Task.FromResult(receiver.Of(eventId).Count == 1), $"{eventId} never arrived");
        var claimedBy = await ClaimedByAsync(cluster.Database, eventId);
        var stopped = Assert.Single(cluster.Silos, silo => claimedBy.Contains(silo.Endpoint + ":", StringComparison.Ordinal));
        var survivor = Assert.Single(cluster.Silos, silo => silo != stopped);

        await stopped.StopAsync(); // SIGTERM: the attempt under way is cut and its delivery released
        Assert.Equal(0, stopped.ExitCode);
        await Eventually.TrueAsync(async () => (await ReadAsync(await cluster.Admin.GetAsync($"/admin/webhooks/{endpoint}/deliveries")))
            .GetProperty("deliveries")[0].GetProperty("status").GetString() == "delivered", $"{eventId} was not delivered by the other silo", seconds: 90);
        var delivered = (await ReadAsync(await cluster.Admin.GetAsync($"/admin/webhooks/{endpoint}/deliveries"))).GetProperty("deliveries")[0];
        // Released, not left to its lease: the cut attempt was given back (a lease taken over would be attempt 2).
        Assert.Equal(1, delivered.GetProperty("attempts").GetInt32());
        Assert.Contains(survivor.Endpoint + ":", await ClaimedByAsync(cluster.Database, eventId), StringComparison.Ordinal);
        Assert.Equal([eventId], receiver.EventIds);
    }

    [Fact]
    public async Task A_silo_with_bad_webhook_settings_refuses_to_start_and_names_them()
    {
        var database = await postgres.CreateDatabaseAsync();
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            SiloProcess.StartAsync(database, "--Webhooks:MaxAttempts=0", "--Webhooks:Timeout=00:01:00", "--Webhooks:Lease=00:00:30"));
        Assert.Contains("Webhooks:MaxAttempts must be 1 to 100", refused.Message);
        Assert.Contains("Webhooks:Lease must be longer than Webhooks:Timeout", refused.Message);
    }

    private static async Task<string> SendTestAsync(ProcessCluster cluster, string endpoint)
    {
        using var test = await cluster.Admin.PostAsync($"/admin/webhooks/{endpoint}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        return (await ReadAsync(test)).GetProperty("event_id").GetString()!;
    }

    /// <summary>Settles a request that takes a budget to its 100 %: the account grain writes the crossing with the settle.</summary>
    private static async Task<string> CrossBudgetAsync(ProcessCluster cluster)
    {
        await MeteringCalls.CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        await MeteringCalls.SetPriceAsync(cluster.Admin, "m1", 1_000_000_000, 1_000_000_000);
        await MeteringCalls.AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/budgets/daily", """{"period":"day","cap_tokens":200,"alert_percents":[100]}""");
        var authorized = await MeteringCalls.AuthorizeAsync(cluster.Metering[0], "r1", account: "acme");
        Assert.True(MeteringCalls.Allowed(authorized), authorized.ToString());
        await MeteringCalls.SettleAsync(cluster.Metering[0], authorized, 100, 100);
        await using var connection = new NpgsqlConnection(cluster.Database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT event_id FROM alert_outbox WHERE type = 'budget.threshold_crossed'", connection);
        return (string)(await query.ExecuteScalarAsync())!; // committed with the settle its answer waited for
    }

    private static async Task<string> ClaimedByAsync(string database, string eventId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT claimed_by FROM webhook_deliveries WHERE event_id = $1", connection);
        query.Parameters.Add(new NpgsqlParameter { Value = eventId });
        return (string)(await query.ExecuteScalarAsync())!;
    }
}
