using System.Net;
using System.Text.Json;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>
/// Priced kinds of token through the admin and metering APIs: a price's components are scheduled and captured at authorize,
/// a settle's breakdown is charged at them, stored on the usage row and summed by the usage API. One shared cluster; each
/// case has its own account and model.
/// </summary>
public sealed class TokenKindTests(SharedCluster shared) : IClassFixture<SharedCluster>
{
    private const string FullPrice = """
        {"input_per_million":3000000000,"output_per_million":15000000000,"cached_input_per_million":300000000,
         "cache_write_5m_per_million":3750000000,"cache_write_1h_per_million":6000000000,"reasoning_per_million":20000000000,
         "audio_input_per_million":40000000000,"audio_output_per_million":80000000000,"per_request":7}
        """;

    private static readonly Price Captured = new(3_000_000_000, 15_000_000_000, new PriceExtras(300_000_000, 3_750_000_000, 6_000_000_000,
        20_000_000_000, 40_000_000_000, 80_000_000_000, 7));

    [Fact]
    public async Task A_settle_is_charged_per_kind_at_the_price_captured_at_authorize_and_stored_kind_by_kind()
    {
        var cluster = shared.Cluster;
        var (account, model) = (SharedCluster.UniqueId("kinds"), SharedCluster.UniqueId("m"));
        await CreateAccountAsync(cluster.Admin, account, 1_000_000_000);
        var priced = await ReadAsync(await cluster.Admin.PostAsync($"/admin/models/{model}/prices", Json(FullPrice)));
        Assert.Equal(300_000_000, priced.GetProperty("current").GetProperty("extras").GetProperty("cached_input_per_million").GetInt64());

        var authorized = await AuthorizeAsync(cluster.Metering, "r1", account: account, model: model, input: 1_000, output: 1_000);
        Assert.True(Allowed(authorized));
        Assert.Equal(Captured.WorstCase(1_000, 1_000), authorized.GetProperty("reserved").GetInt64()); // every token at its dearest kind
        Assert.Equal(40_000_000_000, authorized.GetProperty("price").GetProperty("extras").GetProperty("audio_input_per_million").GetInt64());

        // A new price between authorize and settle: the request keeps the one it was authorized at, components and all.
        await AdminAsync(cluster.Admin, HttpMethod.Post, $"/admin/models/{model}/prices", """{"input_per_million":1,"output_per_million":1}""");

        var details = new TokenDetails(CachedInput: 600, CacheWrite5m: 100, CacheWrite1h: 100, Reasoning: 300, AudioInput: 50, AudioOutput: 20);
        var settled = await SettleWithDetailsAsync(cluster.Metering, authorized, 1_000, 500, details);
        var expected = Captured.Cost(1_000, 500, details);
        // Per token, nano-USD: input 3,000, cached 300, writes 3,750 and 6,000, audio in 40,000; output 15,000, reasoning 20,000, audio out 80,000; a fee of 7.
        Assert.Equal(150 * 3_000 + 600 * 300 + 100 * 3_750 + 100 * 6_000 + 50 * 40_000 + 180 * 15_000 + 300 * 20_000 + 20 * 80_000 + 7, expected);
        Assert.Equal(expected, settled.GetProperty("charged").GetInt64());
        Assert.Equal(600, settled.GetProperty("details").GetProperty("cached_input").GetInt64());

        var row = await Ledger.TextAsync(cluster.Database, $"""
            SELECT concat_ws(',', cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens,
                input_price, (price_extras->>'request_fee'), cost)
            FROM usage_events WHERE account_id = '{account}' AND request_id = 'r1' AND denial IS NULL
            """);
        Assert.Equal($"600,100,100,300,50,20,3000000000,7,{expected}", row);

        // A repeat answers the first settlement; the same request with another breakdown is a conflict, not a second charge.
        var repeat = await SettleWithDetailsAsync(cluster.Metering, authorized, 1_000, 500, details);
        Assert.Equal((expected, true), (repeat.GetProperty("charged").GetInt64(), repeat.GetProperty("repeated").GetBoolean()));
        using var other = await cluster.Metering.PostAsync("/v1/settle", SettleBody(authorized, 1_000, 500, details with { CachedInput = 601 }));
        await AssertErrorAsync(other, HttpStatusCode.Conflict, "idempotency_conflict");
        await Ledger.AssertExactAsync(cluster.Database);
    }

    [Fact]
    public async Task Usage_reported_without_an_authorize_is_charged_per_kind_at_the_current_price()
    {
        var cluster = shared.Cluster;
        var (account, model) = (SharedCluster.UniqueId("kinds"), SharedCluster.UniqueId("m"));
        await CreateAccountAsync(cluster.Admin, account, 1_000_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Post, $"/admin/models/{model}/prices", FullPrice);

        using var response = await cluster.Metering.PostAsync("/v1/usage", Json($$"""
            {"id":"u1","account_id":"{{account}}","model":"{{model}}","input_tokens":1000,"output_tokens":100,"cached_input_tokens":900,"reasoning_tokens":80}
            """));
        var recorded = await ReadAsync(response);
        Assert.Equal(Captured.Cost(1_000, 100, new TokenDetails(CachedInput: 900, Reasoning: 80)), recorded.GetProperty("charged").GetInt64());
        await Ledger.AssertExactAsync(cluster.Database);
    }

    [Theory]
    [InlineData(""" "input_tokens":100,"output_tokens":10,"cached_input_tokens":60,"cache_write_5m_tokens":41 """, "invalid_usage")]
    [InlineData(""" "input_tokens":100,"output_tokens":10,"reasoning_tokens":11 """, "invalid_usage")]
    [InlineData(""" "input_tokens":100,"output_tokens":10,"audio_output_tokens":-1 """, "invalid_field")]
    [InlineData(""" "input_tokens":100,"output_tokens":10,"cached_input_tokens":"9" """, "invalid_field")]
    [InlineData(""" "input_tokens":100,"output_tokens":10,"cached_tokens":9 """, "unknown_field")]
    public async Task A_bad_breakdown_is_refused_at_the_edge_and_charges_nothing(string counts, string code)
    {
        var cluster = shared.Cluster;
        var (account, model) = (SharedCluster.UniqueId("kinds"), SharedCluster.UniqueId("m"));
        await CreateAccountAsync(cluster.Admin, account, 1_000_000);
        await SetPriceAsync(cluster.Admin, model, 1_000_000, 1_000_000);
        var authorized = await AuthorizeAsync(cluster.Metering, "r1", account: account, model: model);
        using var settle = await cluster.Metering.PostAsync("/v1/settle", Json($$"""{"reservation_id":"{{authorized.GetProperty("reservation_id").GetString()}}",{{counts}}}"""));
        await AssertErrorAsync(settle, HttpStatusCode.BadRequest, code);
        using var usage = await cluster.Metering.PostAsync("/v1/usage", Json($$"""{"id":"u1","account_id":"{{account}}","model":"{{model}}",{{counts}}}"""));
        await AssertErrorAsync(usage, HttpStatusCode.BadRequest, code);
        Assert.Equal(0, await Ledger.ScalarAsync(cluster.Database, $"SELECT count(*) FROM usage_events WHERE account_id = '{account}'"));
    }

    [Theory]
    [InlineData("""{"input_per_million":1,"output_per_million":1,"reasoning_per_million":-1}""", "invalid_amount")]
    [InlineData("""{"input_per_million":1,"output_per_million":1,"cached_input_per_million":10000000000001}""", "amount_out_of_range")]
    [InlineData("""{"input_per_million":1,"output_per_million":1,"per_request":100000000001}""", "amount_out_of_range")]
    [InlineData("""{"input_per_million":1,"output_per_million":1,"cached_per_million":1}""", "unknown_field")]
    public async Task A_bad_component_is_refused_with_a_clear_code(string body, string code)
    {
        using var response = await shared.Cluster.Admin.PostAsync($"/admin/models/{SharedCluster.UniqueId("m")}/prices", Json(body));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task The_usage_api_sums_every_kind_and_the_cached_and_reasoning_shares()
    {
        var cluster = shared.Cluster;
        var (account, model) = (SharedCluster.UniqueId("kinds"), SharedCluster.UniqueId("m"));
        await CreateAccountAsync(cluster.Admin, account, 1_000_000_000);
        await SetPriceAsync(cluster.Admin, model, 1_000_000, 1_000_000);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
        for (var i = 0; i < 4; i++)
        {
            var authorized = await AuthorizeAsync(cluster.Metering, $"r{i}", account: account, model: model);
            await SettleWithDetailsAsync(cluster.Metering, authorized, 100, 50, new TokenDetails(i * 10, 1, 2, 20, 3, 4));
        }

        var report = await ReadAsync(await cluster.Admin.GetAsync($"/api/usage?since={Uri.EscapeDataString(since)}&account={account}&group_by=model"));
        var totals = report.GetProperty("totals");
        var kinds = totals.GetProperty("kinds");
        Assert.Equal((60L, 4L, 8L, 80L, 12L, 16L), (kinds.GetProperty("cached_input_tokens").GetInt64(), kinds.GetProperty("cache_write_5m_tokens").GetInt64(),
            kinds.GetProperty("cache_write_1h_tokens").GetInt64(), kinds.GetProperty("reasoning_tokens").GetInt64(),
            kinds.GetProperty("audio_input_tokens").GetInt64(), kinds.GetProperty("audio_output_tokens").GetInt64()));
        Assert.Equal((0.15, 0.4), (totals.GetProperty("cached_share").GetDouble(), totals.GetProperty("reasoning_share").GetDouble()));
        var group = Assert.Single(report.GetProperty("groups").EnumerateArray());
        Assert.Equal(60, group.GetProperty("totals").GetProperty("kinds").GetProperty("cached_input_tokens").GetInt64());
    }

    private static async Task<JsonElement> SettleWithDetailsAsync(HttpClient metering, JsonElement authorized, long input, long output, TokenDetails details)
    {
        using var response = await metering.PostAsync("/v1/settle", SettleBody(authorized, input, output, details));
        return (await ReadAsync(response)).Clone();
    }

    private static StringContent SettleBody(JsonElement authorized, long input, long output, TokenDetails details) => Json($$"""
        {"reservation_id":"{{authorized.GetProperty("reservation_id").GetString()}}","input_tokens":{{input}},"output_tokens":{{output}},
         "cached_input_tokens":{{details.CachedInput}},"cache_write_5m_tokens":{{details.CacheWrite5m}},"cache_write_1h_tokens":{{details.CacheWrite1h}},
         "reasoning_tokens":{{details.Reasoning}},"audio_input_tokens":{{details.AudioInput}},"audio_output_tokens":{{details.AudioOutput}}}
        """);
}
