using System.Text.Json;
using Npgsql;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// The proxy as the official <c>openai</c> npm package sees it: <c>tests/sdk/proxy.test.mjs</c> runs under node
/// against a real stack, prints a JSON line per case with the x-request-id and the usage the SDK saw, and this test
/// checks what Tollgate charged and recorded in PostgreSQL for each of those requests.
/// </summary>
public sealed class OpenAiSdkTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const string Broke = "broke";
    private static readonly Price DemoPrice = new(ProxyStack.InputPrice, ProxyStack.OutputPrice);

    [Fact]
    public async Task The_openai_npm_package_is_served_charged_and_denied_as_it_expects()
    {
        var sdk = NodeSdk.Folder;
        await NodeSdk.EnsurePackagesAsync(output);

        await using var stack = await ProxyStack.StartAsync(postgres);
        var admin = stack.Cluster.Admin;
        var (limitedId, limitedKey) = await CreateKeyAsync(admin, ProxyStack.Account);
        await AdminAsync(admin, HttpMethod.Put, $"/admin/keys/{limitedId}/limits", """{"requests_per_minute":1}""");
        var (concurrentId, concurrentKey) = await CreateKeyAsync(admin, ProxyStack.Account);
        await AdminAsync(admin, HttpMethod.Put, $"/admin/keys/{concurrentId}/limits", """{"max_concurrent":1}""");
        await CreateAccountAsync(admin, Broke, 0);
        var (brokeId, brokeKey) = await CreateKeyAsync(admin, Broke);

        var (exitCode, stdout, stderr) = await NodeSdk.RunAsync(sdk, "node", ["--test-reporter=spec", "proxy.test.mjs"], new()
        {
            ["TOLLGATE_URL"] = stack.Cluster.GatewayAddress().ToString(),
            ["TOLLGATE_KEY"] = stack.Key,
            ["TOLLGATE_MODEL"] = ProxyStack.Model,
            ["TOLLGATE_LIMITED_KEY"] = limitedKey,
            ["TOLLGATE_CONCURRENT_KEY"] = concurrentKey,
            ["TOLLGATE_BROKE_KEY"] = brokeKey,
            ["TOLLGATE_FAKE_URL"] = stack.FakeAddress.ToString(),
        });
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.True(exitCode == 0, $"node exited with {exitCode}:\n{stdout}\n{stderr}");

        var cases = NodeSdk.Cases(stdout);
        string[] expected = ["chat", "chat_stream", "chat_stream_usage", "responses", "responses_stream", "completions", "embeddings", "embeddings_float",
            "models", "limited_first", "rate_limited", "concurrent_holder", "rate_limited_retried", "invalid_key", "tampered_key", "insufficient_credit"];
        Assert.Equal(expected.Order(), cases.Keys.Order());

        // Served: charged the provider's usage, as the SDK saw it (or, where the client did not ask for a stream's usage, as the fake was told to report).
        long charged = 0;
        foreach (var (name, streamed, key) in new[]
                 {
                     ("chat", false, stack.KeyId), ("chat_stream", true, stack.KeyId), ("chat_stream_usage", true, stack.KeyId),
                     ("responses", false, stack.KeyId), ("responses_stream", true, stack.KeyId), ("completions", false, stack.KeyId),
                     ("embeddings", false, stack.KeyId), ("embeddings_float", false, stack.KeyId), ("limited_first", false, limitedId),
                     ("concurrent_holder", true, concurrentId),
                 })
        {
            var line = cases[name];
            var usage = line.GetProperty("usage").ValueKind == JsonValueKind.Null ? line.GetProperty("expected") : line.GetProperty("usage");
            var (input, outputTokens) = (usage.GetProperty("input").GetInt64(), usage.GetProperty("output").GetInt64());
            var requestId = line.GetProperty("request_id").GetString()!;
            var row = await stack.SettledAsync(requestId);
            var cost = DemoPrice.Cost(input, outputTokens);
            Assert.True(new UsageRow(input, outputTokens, "success", streamed, false, cost, cost, ProxyStack.InputPrice, "127.0.0.1", null) == row,
                $"{name} ({requestId}): {row}");
            Assert.Equal((ProxyStack.Account, key), await OwnerAsync(stack, requestId));
            charged += cost;
        }
        Assert.True(cases["chat_stream"].GetProperty("content_chunks").GetInt32() >= 2);
        Assert.Contains(ProxyStack.Model, cases["models"].GetProperty("models").EnumerateArray().Select(model => model.GetString()));
        Assert.Equal(JsonValueKind.Null, cases["models"].GetProperty("request_id").ValueKind); // GET /v1/models is not metered: no usage row, no x-request-id

        // Denied after the key was verified: counted with the account, key and model, nothing charged.
        var retried = cases["rate_limited_retried"].GetProperty("request_ids").EnumerateArray().Select(id => id.GetString()!).ToList();
        Assert.Equal(3, retried.Count); // the SDK's first attempt and its two retries, each a request of Tollgate's own
        Assert.Equal(3, retried.Distinct().Count());
        string[] denials =
        [
            $"{Denials.RateLimited} {ProxyStack.Account} {limitedId} 1",
            $"{Denials.InsufficientCredit} {Broke} {brokeId} 1",
            $"{Denials.RateLimited} {ProxyStack.Account} {concurrentId} 3",
        ];
        await Eventually.TrueAsync(async () => (await DenialsAsync(stack)).Order().SequenceEqual(denials.Order()), "the denials were not counted", seconds: 15);

        // A refused key is answered before its body is read, and leaves no row (a flood of them cannot fill the table).
        foreach (var refused in new[] { "invalid_key", "tampered_key" })
            Assert.Equal(0, await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM usage_events WHERE request_id = $1", RequestIdOf(cases[refused])));

        // Nothing else reached Tollgate's ledger, and the balances are what the rows say.
        Assert.Equal(5 + 10, await CountAsync(stack));
        Assert.Equal(ProxyStack.Credit - charged, await BalanceAsync(stack, ProxyStack.Account));
        Assert.Equal(0, await BalanceAsync(stack, Broke));
    }

    [Fact]
    public async Task Cached_and_reasoning_tokens_are_charged_at_their_own_prices_streamed_and_not_in_chat_and_responses()
    {
        await NodeSdk.EnsurePackagesAsync(output);
        await using var stack = await ProxyStack.StartAsync(postgres);
        // $2 input, $8 output per 1M; cached input a tenth of input, reasoning dearer than output: a mix-up shows in the charge.
        var price = new Price(ProxyStack.InputPrice, ProxyStack.OutputPrice, new PriceExtras(CachedInputPerMillion: 200_000_000, ReasoningPerMillion: 12_000_000_000));
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Post, "/admin/models/kinds/prices", $$"""
            {"input_per_million":{{price.InputPerMillion}},"output_per_million":{{price.OutputPerMillion}},
             "cached_input_per_million":{{price.CachedInputPerMillion}},"reasoning_per_million":{{price.ReasoningPerMillion}}}
            """);
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, "/admin/models/kinds/route", $$"""{"provider":"fake","upstream_model":"{{ProxyStack.UpstreamModel}}"}""");

        var (exitCode, stdout, stderr) = await NodeSdk.RunAsync(NodeSdk.Folder, "node", ["--test-reporter=spec", "kinds.test.mjs"], new()
        {
            ["TOLLGATE_URL"] = stack.Cluster.GatewayAddress().ToString(),
            ["TOLLGATE_KEY"] = stack.Key,
            ["TOLLGATE_MODEL"] = "kinds",
        });
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.True(exitCode == 0, $"node exited with {exitCode}:\n{stdout}\n{stderr}");

        var cases = NodeSdk.Cases(stdout).Values.ToList();
        Assert.Equal(["chat", "chat_stream", "chat_stream_unasked", "responses", "responses_stream"], cases.Select(line => line.GetProperty("case").GetString()).Order());
        var details = new TokenDetails(CachedInput: 900, Reasoning: 150);
        var cost = price.Cost(1_000, 200, details);
        Assert.Equal(100 * 2_000 + 900 * 200 + 50 * 8_000 + 150 * 12_000, cost); // nano-USD per token: 2,000 input, 200 cached, 8,000 output, 12,000 reasoning
        foreach (var line in cases)
        {
            var requestId = line.GetProperty("request_id").GetString()!;
            await Eventually.TrueAsync(async () => await stack.UsageAsync(requestId) is not null, $"{requestId} was not settled");
            var row = await Ledger.TextAsync(stack.Cluster.Database, $"""
                SELECT concat_ws(',', input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cache_write_5m_tokens, audio_input_tokens, cost, charged, estimated)
                FROM usage_events WHERE request_id = '{requestId}' AND denial IS NULL
                """);
            Assert.True($"1000,200,900,150,0,0,{cost},{cost},f" == row, $"{line.GetProperty("case")}: {row}");
        }
        await Ledger.AssertExactAsync(stack.Cluster.Database);
    }

    private static string RequestIdOf(JsonElement line) => line.GetProperty("request_id").GetString()!;

    private static async Task<(string? Account, string? Key)> OwnerAsync(ProxyStack stack, string requestId)
    {
        await using var database = NpgsqlDataSource.Create(stack.Cluster.Database);
        await using var query = database.CreateCommand("SELECT account_id, key_id FROM usage_events WHERE request_id = $1");
        query.Parameters.Add(new NpgsqlParameter { Value = requestId });
        await using var reader = await query.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>The denial rows, as "reason account key requests", of requests that cost and streamed nothing.</summary>
    private static async Task<List<string>> DenialsAsync(ProxyStack stack)
    {
        await using var database = NpgsqlDataSource.Create(stack.Cluster.Database);
        await using var query = database.CreateCommand($"""
            SELECT denial, account_id, key_id, sum(requests) FROM usage_events
            WHERE denial IS NOT NULL AND outcome = 'denied' AND model = '{ProxyStack.Model}' AND output_tokens = 0 AND cost = 0 AND charged = 0 AND NOT streamed
            GROUP BY denial, account_id, key_id
            """);
        await using var reader = await query.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)} {reader.GetInt64(3)}");
        return rows;
    }

    /// <summary>Requests recorded: settled ones, and the denied ones each denial row counts.</summary>
    private static async Task<long> CountAsync(ProxyStack stack)
    {
        await using var database = NpgsqlDataSource.Create(stack.Cluster.Database);
        await using var query = database.CreateCommand("SELECT sum(requests) FROM usage_events");
        return (long)(await query.ExecuteScalarAsync())!;
    }

    private static async Task<long> BalanceAsync(ProxyStack stack, string account)
    {
        using var response = await stack.Cluster.Admin.GetAsync($"/admin/accounts/{account}");
        return (await Http.ReadAsync(response)).GetProperty("balance").GetInt64();
    }
}
