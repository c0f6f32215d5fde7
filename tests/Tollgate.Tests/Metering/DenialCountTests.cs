using Npgsql;
using Tollgate.Grains.Keys;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>
/// Denied requests are counted per minute, reason, account, key, caller IP and model, with only what the cluster vouches
/// for: a flood of made-up keys and model names adds counts, not rows. Old counts go after Metering:DenialRetention.
/// </summary>
public sealed class DenialCountTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly string[] Ips = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "2001:db8:1:2::1", "2001:db8:1:2::ffff"];

    [Fact]
    public async Task Ten_thousand_bad_key_requests_leave_a_few_rows_that_count_them_all()
    {
        const int Requests = 10_000;
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var second = await cluster.AddGatewayAsync();
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/defaults/limits", """{"requests_per_minute":1000}""");
        var started = DateTimeOffset.UtcNow;

        // Every request a new well-formed key id and a new model name, from five addresses (two of them in one IPv6 /64).
        var reasons = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await Parallel.ForAsync(0, Requests, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var key = $"{ApiKeyFormat.Prefix}{i:x16}_{new string('A', 43)}";
            var answer = await AuthorizeAsync(i % 2 == 0 ? cluster.Metering : second, $"flood-{i}", apiKey: key, ip: Ips[i % Ips.Length], model: $"made-up-{i}");
            reasons.AddOrUpdate(Reason(answer)!, 1, (_, n) => n + 1);
        });
        var minutes = (int)(DateTimeOffset.UtcNow - started).TotalMinutes + 2; // the minutes the flood touched, at most
        Assert.Equal(["invalid_api_key", "rate_limited"], reasons.Keys.Order());

        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(database, "SELECT coalesce(sum(requests), 0) FROM usage_events") == Requests,
            "the denials were not all counted", seconds: 30);
        var rows = await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events");
        output.WriteLine($"{Requests} denied requests ({string.Join(", ", reasons.Select(r => $"{r.Value} {r.Key}"))}) in {rows} rows");
        // One row per minute, reason and caller limit key (the /64 for IPv6): nothing a caller made up is kept.
        Assert.True(rows <= minutes * 2 * 4, $"{rows} rows for {Requests} denied requests over at most {minutes} minutes");
        Assert.Equal(0, await Ledger.ScalarAsync(database,
            "SELECT count(*) FROM usage_events WHERE denial IS NULL OR key_id IS NOT NULL OR model IS NOT NULL OR account_id IS NOT NULL OR request_id IS NOT NULL"));
        Assert.Equal(4, await Ledger.ScalarAsync(database, "SELECT count(DISTINCT caller_ip) FROM usage_events"));
        Assert.Equal(Requests / 5 * 2, await Ledger.ScalarAsync(database, "SELECT sum(requests) FROM usage_events WHERE caller_ip = '2001:db8:1:2::/64'"));
        Assert.Equal(reasons["rate_limited"], await Ledger.ScalarAsync(database, "SELECT sum(requests) FROM usage_events WHERE denial = 'rate_limited'"));

        // The usage API counts every request.
        var since = started.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var totals = (await ReadAsync(await cluster.Admin.GetAsync($"/api/usage?since={since}"))).GetProperty("totals");
        Assert.Equal(Requests, totals.GetProperty("requests").GetInt64());
        Assert.Equal(Requests, totals.GetProperty("denied").GetInt64());
    }

    [Fact]
    public async Task Denial_counts_older_than_the_retention_are_deleted_when_a_gateway_starts()
    {
        var database = await postgres.CreateDatabaseAsync();
        await SiloDatabase.MigrateAsync(database, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO usage_events (caller_ip, input_tokens, output_tokens, cost, charged, outcome, streamed, denial, requests, created_at)
                SELECT '192.0.2.1', 0, 0, 0, 0, 'denied', false, 'invalid_api_key', 3, date_trunc('minute', now() - age * interval '1 day')
                FROM unnest(ARRAY[91, 120, 89, 0]) AS age
                """, connection);
            await insert.ExecuteNonQueryAsync();
        }

        await using var cluster = await TestCluster.StartAsync(database, 1, null, null, null, ["--Metering:DenialRetention=90.00:00:00"]);
        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events") == 2,
            "the old denial counts were not deleted", seconds: 15);
        Assert.Equal(0, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE created_at < now() - interval '90 days'"));
    }
}
