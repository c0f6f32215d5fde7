using System.Text.Json;
using Npgsql;
using Tollgate.Gateway.Proxy;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// The proxy as the official <c>@anthropic-ai/sdk</c> npm package sees it: <c>tests/sdk/anthropic.test.mjs</c> runs under
/// node against a real stack whose model is routed to the fake upstream as an anthropic provider, prints a JSON line per
/// case with the request id and the usage the SDK saw, and this test checks what Tollgate held, charged and recorded in
/// PostgreSQL for each of those requests.
/// </summary>
public sealed class AnthropicSdkTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const string Broke = "broke";
    private const string Held = "held";

    private const string CachePriceJson = """
        {"input_per_million":3000000000,"output_per_million":15000000000,"cached_input_per_million":300000000,
         "cache_write_5m_per_million":3750000000,"cache_write_1h_per_million":6000000000}
        """;

    private static readonly Price CachePrice = new(3_000_000_000, 15_000_000_000,
        new PriceExtras(CachedInputPerMillion: 300_000_000, CacheWrite5mPerMillion: 3_750_000_000, CacheWrite1hPerMillion: 6_000_000_000));

    [Fact]
    public async Task The_anthropic_npm_package_is_served_charged_held_and_denied_as_it_expects()
    {
        await NodeSdk.EnsurePackagesAsync(output);
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync(price: CachePriceJson);
        var admin = stack.Cluster.Admin;
        var (limitedId, limitedKey) = await CreateKeyAsync(admin, ProxyStack.Account);
        await AdminAsync(admin, HttpMethod.Put, $"/admin/keys/{limitedId}/limits", """{"requests_per_minute":1}""");
        await CreateAccountAsync(admin, Broke, 0);
        var (brokeId, brokeKey) = await CreateKeyAsync(admin, Broke);
        await CreateAccountAsync(admin, Held, ProxyStack.Credit);
        var (heldId, heldKey) = await CreateKeyAsync(admin, Held);

        var (exitCode, stdout, stderr) = await NodeSdk.RunAsync(NodeSdk.Folder, "node", ["--test-reporter=spec", "anthropic.test.mjs"], new()
        {
            ["TOLLGATE_URL"] = stack.Cluster.GatewayAddress().ToString(),
            ["TOLLGATE_KEY"] = stack.Key,
            ["TOLLGATE_MODEL"] = ProxyStack.ClaudeModel,
            ["TOLLGATE_LIMITED_KEY"] = limitedKey,
            ["TOLLGATE_BROKE_KEY"] = brokeKey,
            ["TOLLGATE_HELD_KEY"] = heldKey,
            ["TOLLGATE_HELD_ACCOUNT"] = Held,
            ["TOLLGATE_ADMIN_TOKEN"] = TestCluster.AdminToken,
            ["TOLLGATE_FAKE_URL"] = stack.FakeAddress.ToString(),
        });
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.True(exitCode == 0, $"node exited with {exitCode}:\n{stdout}\n{stderr}");

        var cases = NodeSdk.Cases(stdout);
        string[] expected = ["create", "create_bearer", "create_auth_token", "stream", "held", "count_tokens", "models", "limited_first", "rate_limited",
            "invalid_key", "tampered_key", "insufficient_credit"];
        Assert.Equal(expected.Order(), cases.Keys.Order());

        // The key as the SDK presents it: hand-set x-api-key, or its apiKey and authToken options (both Authorization: Bearer in SDK 1.x).
        Assert.Equal(new[] { "x-api-key", "bearer", "bearer" }, new[] { "create", "create_bearer", "create_auth_token" }.Select(name => Text(cases[name], "auth")));

        // Served: charged exactly the provider's usage as the SDK saw it, every kind at its price, the kinds stored.
        var charged = new Dictionary<string, long> { [ProxyStack.Account] = 0, [Held] = 0 };
        var costs = new Dictionary<string, long>();
        string[] served = ["create", "create_bearer", "create_auth_token", "stream", "held", "limited_first"];
        foreach (var name in served)
        {
            var (account, key) = name switch { "held" => (Held, heldId), "limited_first" => (ProxyStack.Account, limitedId), _ => (ProxyStack.Account, stack.KeyId) };
            var line = cases[name];
            var usage = line.GetProperty("usage");
            long Count(string field) => usage.GetProperty(field).GetInt64();
            // Anthropic's input_tokens excludes the cache's reads and writes: the input total is all three.
            var input = Count("input_tokens") + Count("cache_read_input_tokens") + Count("cache_creation_input_tokens");
            var details = new TokenDetails(CachedInput: Count("cache_read_input_tokens"), CacheWrite5m: Count("ephemeral_5m_input_tokens"),
                CacheWrite1h: Count("ephemeral_1h_input_tokens"));
            var requestId = Text(line, "request_id");
            var row = await stack.SettledAsync(requestId);
            var cost = CachePrice.Cost(input, Count("output_tokens"), details.OrNull());
            Assert.True(new UsageRow(input, Count("output_tokens"), "success", line.GetProperty("streamed").GetBoolean(), false, cost, cost, CachePrice.InputPerMillion,
                "127.0.0.1", null) == row, $"{name} ({requestId}): {row}");
            Assert.Equal($"{details.CachedInput},{details.CacheWrite5m},{details.CacheWrite1h},0,0,0", await KindsAsync(stack, requestId));
            Assert.Equal((account, key), await OwnerAsync(stack, requestId));
            charged[account] += cost;
            costs[name] = cost;
        }
        // The cached message by hand, kind by kind (nano-USD per token: fresh input 3,000, read 300, 5-minute write 3,750, 1-hour write 6,000, output 15,000).
        Assert.Equal((450L, 20L), (Total(cases["create"]), cases["create"].GetProperty("usage").GetProperty("output_tokens").GetInt64()));
        Assert.Equal(100 * 3_000 + 300 * 300 + 40 * 3_750 + 10 * 6_000 + 20 * 15_000, costs["create"]);
        Assert.Equal(costs["create"], costs["stream"]); // the stream's message_start and message_delta together report what the message did

        // max_tokens held while the stream ran: the request was the account's only hold, and it was the input as the gateway counts the body
        // the SDK sent (the Claude rule: o200k_base x 1.25, rounded up) at the dearest input kind (a 1-hour cache write), plus max_tokens at
        // the output price.
        var held = cases["held"];
        var sent = held.GetProperty("sent");
        Assert.Equal(4000, sent.GetProperty("max_tokens").GetInt64());
        var counter = new TokenCounter();
        var o200k = counter.MessagesInput(sent, "gpt-4o");
        var estimate = counter.MessagesInput(sent, ProxyStack.ClaudeUpstreamModel);
        Assert.Equal((o200k * 5 + 3) / 4, estimate);
        Assert.Equal(1, held.GetProperty("active_reservations").GetInt32());
        Assert.Equal((estimate * CachePrice.CacheWrite1hPerMillion + 4000 * CachePrice.OutputPerMillion + 999_999) / 1_000_000, held.GetProperty("pending").GetInt64());
        var heldAfter = await AccountAsync(stack, Held);
        Assert.Equal((0L, 0), (heldAfter.GetProperty("pending").GetInt64(), heldAfter.GetProperty("active_reservations").GetInt32())); // released at the settle

        // count_tokens and the model list: answered, not metered (no request id, no row).
        Assert.Equal(321, cases["count_tokens"].GetProperty("input_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, cases["count_tokens"].GetProperty("request_id").ValueKind);
        // Anthropic's list holds the models of anthropic providers only: the OpenAI-compatible demo model is served through the other API.
        Assert.Equal(new[] { ProxyStack.ClaudeModel }, cases["models"].GetProperty("models").EnumerateArray().Select(model => model.GetString()));

        // Refused as Anthropic's API refuses, each by the SDK's own class, sent once (401 and 402 with retries allowed; 429 without, see the test file).
        Assert.Equal(("RateLimitError", 429, "rate_limit_error", "rate_limit_exceeded", 1), Refusal(cases["rate_limited"]));
        var retryAfterMs = cases["rate_limited"].GetProperty("retry_after_ms").GetInt64();
        Assert.InRange(retryAfterMs, 1, 61_000); // what the minute window says is left of it
        Assert.Equal(Math.Max(1, (retryAfterMs + 999) / 1000), cases["rate_limited"].GetProperty("retry_after").GetInt64());
        Assert.Equal(("AuthenticationError", 401, "authentication_error", "invalid_api_key", 1), Refusal(cases["invalid_key"]));
        Assert.Equal(("AuthenticationError", 401, "authentication_error", "invalid_api_key", 1), Refusal(cases["tampered_key"]));
        Assert.Equal(("PaymentRequiredError", 402, "billing_error", "insufficient_credit", 1), Refusal(cases["insufficient_credit"]));

        // Denied after the key was verified: counted with the account, key and model, nothing charged; refused keys leave no row.
        string[] denials = [$"{Denials.RateLimited} {ProxyStack.Account} {limitedId} 1", $"{Denials.InsufficientCredit} {Broke} {brokeId} 1"];
        await Eventually.TrueAsync(async () => (await DenialsAsync(stack)).Order().SequenceEqual(denials.Order()), "the denials were not counted", seconds: 15);
        foreach (var refused in new[] { "invalid_key", "tampered_key", "rate_limited", "insufficient_credit" })
            Assert.Equal(0, await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM usage_events WHERE request_id = $1", Text(cases[refused], "request_id")));
        Assert.Equal(served.Length + denials.Length, await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT sum(requests) FROM usage_events"));

        // The provider got the served requests and the count, each once, as Anthropic's API: its own key as x-api-key (never the client's),
        // the SDK's anthropic-version, the upstream model name. Nothing refused reached it.
        var received = stack.Received.Snapshot();
        Assert.Equal(served.Length, received.Count(request => request.Path == "/v1/messages"));
        Assert.Equal(1, received.Count(request => request.Path == "/v1/messages/count_tokens"));
        Assert.Equal(served.Length + 1, received.Count);
        var version = Text(cases["create"], "version");
        Assert.All(received, request =>
        {
            Assert.Equal((true, false, version), (request.HasApiKey, request.HasAuthorization, request.AnthropicVersion));
            Assert.Equal(ProxyStack.ClaudeUpstreamModel, JsonDocument.Parse(request.Body).RootElement.GetProperty("model").GetString());
        });

        // The balances are what the rows charged.
        Assert.Equal(ProxyStack.Credit - charged[ProxyStack.Account], await BalanceAsync(stack, ProxyStack.Account));
        Assert.Equal(ProxyStack.Credit - charged[Held], await BalanceAsync(stack, Held));
        Assert.Equal(0, await BalanceAsync(stack, Broke));
    }

    private static string Text(JsonElement line, string field) => line.GetProperty(field).GetString()!;

    private static (string Class, int Status, string Type, string ErrorCode, int Attempts) Refusal(JsonElement line) =>
        (Text(line, "class"), line.GetProperty("status").GetInt32(), Text(line, "type"), Text(line, "error_code"), line.GetProperty("attempts").GetInt32());

    private static long Total(JsonElement line)
    {
        var usage = line.GetProperty("usage");
        return usage.GetProperty("input_tokens").GetInt64() + usage.GetProperty("cache_read_input_tokens").GetInt64() + usage.GetProperty("cache_creation_input_tokens").GetInt64();
    }

    private static Task<string?> KindsAsync(ProxyStack stack, string requestId) => Ledger.TextAsync(stack.Cluster.Database, $"""
        SELECT concat_ws(',', cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens)
        FROM usage_events WHERE request_id = '{requestId}'
        """);

    private static async Task<(string? Account, string? Key)> OwnerAsync(ProxyStack stack, string requestId)
    {
        await using var database = NpgsqlDataSource.Create(stack.Cluster.Database);
        await using var query = database.CreateCommand("SELECT account_id, key_id FROM usage_events WHERE request_id = $1");
        query.Parameters.Add(new NpgsqlParameter { Value = requestId });
        await using var reader = await query.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>The denial rows of the Claude model, as "reason account key requests".</summary>
    private static async Task<List<string>> DenialsAsync(ProxyStack stack)
    {
        await using var database = NpgsqlDataSource.Create(stack.Cluster.Database);
        await using var query = database.CreateCommand($"""
            SELECT denial, account_id, key_id, sum(requests) FROM usage_events
            WHERE denial IS NOT NULL AND outcome = 'denied' AND model = '{ProxyStack.ClaudeModel}' AND output_tokens = 0 AND cost = 0 AND charged = 0
            GROUP BY denial, account_id, key_id
            """);
        await using var reader = await query.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)} {reader.GetInt64(3)}");
        return rows;
    }

    private static async Task<long> BalanceAsync(ProxyStack stack, string account) => (await AccountAsync(stack, account)).GetProperty("balance").GetInt64();

    private static async Task<JsonElement> AccountAsync(ProxyStack stack, string account)
    {
        using var response = await stack.Cluster.Admin.GetAsync($"/admin/accounts/{account}");
        return await Http.ReadAsync(response);
    }
}
