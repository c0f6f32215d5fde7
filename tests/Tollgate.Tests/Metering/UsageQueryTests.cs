using System.Net;
using System.Text.Json;
using Npgsql;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>Usage events and <c>GET /api/usage</c>, checked against a brute-force recomputation from the raw rows.</summary>
public sealed class UsageQueryTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly string[] Models = ["m1", "m2", "m3"];

    [Fact]
    public async Task Totals_and_groups_equal_a_brute_force_recomputation_from_the_raw_rows()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3);
        var second = await cluster.AddGatewayAsync();
        foreach (var model in Models) await SetPriceAsync(cluster.Admin, model, 1_000_000 * (model[1] - '0'), 2_000_000);
        await CreateAccountAsync(cluster.Admin, "a1", 1_000_000_000);
        await CreateAccountAsync(cluster.Admin, "a2", 1_000_000_000);
        await CreateAccountAsync(cluster.Admin, "broke", 0);
        var (_, key) = await CreateKeyAsync(cluster.Admin, "a1");
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/models/m3/limits", """{"requests_per_minute":10}""");

        // Mixed traffic: settled with various outcomes, denied for credit, rate limits and unknown accounts, and direct usage.
        var random = new Random(42);
        var denied = 0;
        for (var i = 0; i < 120; i++)
        {
            var gateway = i % 2 == 0 ? cluster.Metering : second;
            var account = new[] { "a1", "a2", "broke", "ghost" }[random.Next(4)];
            var answer = await AuthorizeAsync(gateway, $"r{i}", account: account == "a1" && i % 3 == 0 ? null : account, apiKey: account == "a1" && i % 3 == 0 ? key : null,
                ip: $"192.0.2.{random.Next(1, 5)}", model: Models[random.Next(3)], input: random.Next(0, 2_000), output: random.Next(0, 1_000));
            if (!Allowed(answer))
            {
                denied++;
                continue;
            }
            if (i % 7 != 0) await SettleAsync(gateway, answer, random.Next(0, 2_000), random.Next(0, 1_000), new[] { "success", "error", "aborted" }[random.Next(3)]);
        }
        using (var direct = await second.PostAsync("/v1/usage", Json("""{"id":"u1","account_id":"a2","model":"m2","input_tokens":10,"output_tokens":5,"outcome":"success"}""")))
            await ReadAsync(direct);
        Assert.True(denied > 10, $"only {denied} denied");
        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(database, "SELECT coalesce(sum(requests), 0) FROM usage_events WHERE denial IS NOT NULL") == denied,
            "the denied requests were not all recorded", seconds: 15);

        var rows = await ReadRowsAsync(database);
        var since = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture); // not period=day: the test may cross midnight
        string[][] groupings = [[], ["model"], ["account"], ["api_key"], ["ip"], ["outcome"], ["ip", "model"], ["account", "model", "outcome"]];
        foreach (var groupBy in groupings)
        {
            using var response = await cluster.Admin.GetAsync($"/api/usage?since={since}&limit=1000&group_by={string.Join(',', groupBy)}");
            var report = await ReadAsync(response);
            AssertTotals(rows, report.GetProperty("totals"));
            var groups = report.GetProperty("groups").EnumerateArray().ToList();
            var expected = rows.GroupBy(r => string.Join('|', groupBy.Select(g => r.Key(g)))).ToList();
            Assert.Equal(groupBy.Length == 0 ? 0 : expected.Count, groups.Count);
            foreach (var group in groups)
            {
                var name = string.Join('|', groupBy.Select(g => group.GetProperty("key").GetProperty(g).GetString()));
                AssertTotals(expected.Single(e => e.Key == name).ToList(), group.GetProperty("totals"));
            }
        }

        // One IP's usage by model, a filter plus a group.
        using var perIp = await cluster.Admin.GetAsync($"/api/usage?since={since}&ip=192.0.2.3&group_by=model");
        var ipReport = await ReadAsync(perIp);
        AssertTotals(rows.Where(r => r.Ip == "192.0.2.3").ToList(), ipReport.GetProperty("totals"));
        foreach (var group in ipReport.GetProperty("groups").EnumerateArray())
            AssertTotals(rows.Where(r => r.Ip == "192.0.2.3" && r.Model == group.GetProperty("key").GetProperty("model").GetString()).ToList(), group.GetProperty("totals"));

        // A window that ends before everything holds nothing.
        using var past = await cluster.Admin.GetAsync("/api/usage?since=2020-01-01T00:00:00Z&until=2020-02-01T00:00:00Z");
        Assert.Equal(0, (await ReadAsync(past)).GetProperty("totals").GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task Denied_requests_buffered_by_a_gateway_are_written_before_it_stops()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 3);
        var second = await cluster.AddGatewayAsync();
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => AuthorizeAsync(second, $"ghost-{i}", account: "ghost")));
        Assert.All(answers, a => Assert.Equal("account_not_found", Reason(a)));
        await cluster.StopGatewayAsync(1);
        Assert.Equal(200, await Ledger.ScalarAsync(database,
            "SELECT sum(requests) FROM usage_events WHERE denial = 'account_not_found' AND account_id IS NULL AND outcome = 'denied' AND request_id IS NULL"));
    }

    private static void AssertTotals(List<Row> rows, JsonElement totals)
    {
        Assert.Equal(rows.Sum(r => r.Requests), totals.GetProperty("requests").GetInt64());
        Assert.Equal(rows.Where(r => r.Denial is not null).Sum(r => r.Requests), totals.GetProperty("denied").GetInt64());
        var used = rows.Where(r => r.Denial is null).ToList(); // a denied request's estimate is not usage
        Assert.Equal(used.Sum(r => r.Input), totals.GetProperty("input_tokens").GetInt64());
        Assert.Equal(used.Sum(r => r.Output), totals.GetProperty("output_tokens").GetInt64());
        Assert.Equal(used.Sum(r => r.Input + r.Output), totals.GetProperty("total_tokens").GetInt64());
        Assert.Equal(rows.Sum(r => r.Cost), totals.GetProperty("cost").GetInt64());
        Assert.Equal(rows.Sum(r => r.Charged), totals.GetProperty("charged").GetInt64());
    }

    /// <summary>A row of usage_events: one settled request, or the count of requests denied alike in a minute.</summary>
    private sealed record Row(string? Account, string? KeyId, string? Ip, string? Model, string Outcome, string? Denial, long Input, long Output, long Cost, long Charged, int Requests)
    {
        public string? Key(string dimension) => dimension switch
        {
            "model" => Model,
            "account" => Account,
            "api_key" => KeyId,
            "ip" => Ip,
            _ => Outcome,
        };
    }

    private static async Task<List<Row>> ReadRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT account_id, key_id, caller_ip, model, outcome, denial, input_tokens, output_tokens, cost, charged, requests FROM usage_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6), reader.GetInt64(7),
                reader.GetInt64(8), reader.GetInt64(9), reader.GetInt32(10)));
        }
        return rows;
    }
}
