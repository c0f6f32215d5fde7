using System.Net;
using System.Text.Json;
using Tollgate.Gateway.Proxy;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// Anthropic's Messages API through the proxy, to the fake upstream as an <c>anthropic</c> provider, on real PostgreSQL:
/// metered on the same path as OpenAI's endpoints (the hold from <c>max_tokens</c>, the charge from the provider's usage
/// with its cache reads and writes priced apart, every outcome settled once), Anthropic's headers and error shape, and no
/// translation between the two APIs.
/// </summary>
public sealed class AnthropicProxyTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    /// <summary>A Claude-like price: cache reads at a tenth of input, 5-minute writes at 1.25×, 1-hour writes at 2×.</summary>
    private const string CachePriceJson = """
        {"input_per_million":3000000000,"output_per_million":15000000000,"cached_input_per_million":300000000,
         "cache_write_5m_per_million":3750000000,"cache_write_1h_per_million":6000000000}
        """;

    private static readonly Price CachePrice = new(3_000_000_000, 15_000_000_000,
        new PriceExtras(CachedInputPerMillion: 300_000_000, CacheWrite5mPerMillion: 3_750_000_000, CacheWrite1hPerMillion: 6_000_000_000));

    private static readonly Price DemoPrice = new(ProxyStack.InputPrice, ProxyStack.OutputPrice);
    private static readonly TokenCounter Counter = new();

    /// <summary>The fake's usage for <see cref="CachedBody"/>: 100 fresh input tokens, 300 read from the cache, 40 + 10 written to it; 20 out.</summary>
    private static readonly TokenDetails CacheDetails = new(CachedInput: 300, CacheWrite5m: 40, CacheWrite1h: 10);

    private static string CachedBody(bool stream) => $$"""
        {"model":"{{ProxyStack.ClaudeModel}}","max_tokens":256,"stream":{{(stream ? "true" : "false")}},
         "system":[{"type":"text","text":"You answer briefly.","cache_control":{"type":"ephemeral"} }],
         "messages":[{"role":"user","content":"Hello"}],
         "fake":{"input_tokens":100,"output_tokens":20,"cached_tokens":300,"cache_write_5m_tokens":40,"cache_write_1h_tokens":10,"chunks":5} }
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_message_is_forwarded_to_the_anthropic_provider_and_charged_its_usage_with_cache_reads_and_writes_at_their_prices(bool stream)
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync(price: CachePriceJson);
        var request = Messages(CachedBody(stream));
        request.Headers.Add("anthropic-beta", "prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11");
        using var response = await stack.Proxy().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = RequestId(response);
        Assert.Equal(requestId, Header(response, "request-id")); // where Anthropic's SDKs read a request's id

        if (stream)
        {
            var events = (await ReadEventsAsync(response)).Select(data => JsonDocument.Parse(data).RootElement.GetProperty("type").GetString()).ToList();
            Assert.Equal(["message_start", "content_block_start", "ping"], events.Take(3));
            Assert.Equal(["content_block_stop", "message_delta", "message_stop"], events.TakeLast(3));
            Assert.Equal(5, events.Count(type => type == "content_block_delta"));
        }
        else
        {
            var usage = (await Http.ReadAsync(response)).GetProperty("usage"); // Anthropic's, as the provider wrote it
            Assert.Equal((100, 300, 50, 20), (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("cache_read_input_tokens").GetInt64(),
                usage.GetProperty("cache_creation_input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64()));
        }

        // Charged every kind at its own price: the input total is the fresh, read and written tokens together.
        var row = await stack.SettledAsync(requestId);
        var cost = CachePrice.Cost(450, 20, CacheDetails);
        Assert.Equal(100 * 3_000 + 300 * 300 + 40 * 3_750 + 10 * 6_000 + 20 * 15_000, cost);
        Assert.Equal((450L, 20L, "success", stream, false, cost, cost), (row.InputTokens, row.OutputTokens, row.Outcome, row.Streamed, row.Estimated, row.Cost, row.Charged));
        Assert.Equal("300,40,10,0,0,0", await KindsAsync(stack, requestId));
        Assert.Equal(ProxyStack.Credit - cost, await BalanceAsync(stack, ProxyStack.Account));

        // To the provider: its /messages, the upstream name, its own key as x-api-key, the client's version and betas; never the client's key.
        var forwarded = stack.Received.Snapshot().Single();
        Assert.Equal("/v1/messages", forwarded.Path);
        Assert.Equal(ProxyStack.ClaudeUpstreamModel, JsonDocument.Parse(forwarded.Body).RootElement.GetProperty("model").GetString());
        Assert.True(forwarded.HasApiKey); // the fake answers 401 to any other x-api-key than the provider's
        Assert.False(forwarded.HasAuthorization);
        Assert.Equal((AnthropicVersion, "prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11"), (forwarded.AnthropicVersion, forwarded.AnthropicBeta));
        Assert.DoesNotContain(stack.Key, forwarded.Body, StringComparison.Ordinal);
        Assert.False(JsonDocument.Parse(forwarded.Body).RootElement.TryGetProperty("stream_options", out _));
    }

    [Fact]
    public async Task The_key_arrives_as_x_api_key_or_as_a_bearer_token_and_a_bearer_token_wins()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync();
        var body = $$"""{"model":"{{ProxyStack.ClaudeModel}}","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}""";
        async Task<HttpResponseMessage> SendAsync(string? bearer, string? apiKey)
        {
            var request = Messages(body);
            if (bearer is not null) request.Headers.Authorization = Bearer(bearer);
            if (apiKey is not null) request.Headers.Add("x-api-key", apiKey);
            return await stack.Cluster.Gateway.SendAsync(request); // a client without a default key
        }
        const string wrong = "tg_0123456789abcdef_notakey";

        using (var apiKey = await SendAsync(null, stack.Key)) await stack.SettledAsync(RequestId(await Ok(apiKey)));
        using (var bearer = await SendAsync(stack.Key, null)) await stack.SettledAsync(RequestId(await Ok(bearer)));
        using (var both = await SendAsync(stack.Key, wrong)) await stack.SettledAsync(RequestId(await Ok(both)));
        using (var bearerWrong = await SendAsync(wrong, stack.Key)) await AssertAnthropicErrorAsync(bearerWrong, HttpStatusCode.Unauthorized, "authentication_error", "invalid_api_key");
        using (var none = await SendAsync(null, null)) await AssertAnthropicErrorAsync(none, HttpStatusCode.Unauthorized, "authentication_error", "invalid_api_key");

        // Three forwarded, each with the provider's key alone.
        var forwarded = stack.Received.Snapshot();
        Assert.Equal(3, forwarded.Count);
        Assert.All(forwarded, request => Assert.True(request.HasApiKey && !request.HasAuthorization));

        static async Task<HttpResponseMessage> Ok(HttpResponseMessage response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            return response;
        }
    }

    [Fact]
    public async Task The_hold_is_the_worst_case_of_the_input_estimate_and_max_tokens_which_is_required()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync(price: CachePriceJson);
        var body = $$"""
            {"model":"{{ProxyStack.ClaudeModel}}","max_tokens":5000,"stream":true,"system":"You are a careful assistant.",
             "messages":[{"role":"user","content":[{"type":"text","text":"Describe this picture."},{"type":"image","source":{"type":"url","url":"https://example.com/a.png"} } ]}],
             "fake":{"input_tokens":40,"output_tokens":12,"chunks":4,"hold":"held"} }
            """;
        // The Claude rule on the provider's name for the model; every token at its dearest kind (here the 1-hour cache write, then output).
        var estimate = Counter.MessagesInput(JsonDocument.Parse(body).RootElement, ProxyStack.ClaudeUpstreamModel);
        Assert.True(estimate > TokenCounter.ClaudeImageTokens);
        using var response = await stack.Proxy().SendAsync(Messages(body), HttpCompletionOption.ResponseHeadersRead);
        await ReadEventsAsync(response, afterFirstEvent: async () =>
        {
            var held = await AccountAsync(stack);
            Assert.Equal((1, CachePrice.WorstCase(estimate, 5000)), (held.ActiveReservations, held.Pending));
            Assert.Equal(6_000L * estimate + 15_000L * 5000, held.Pending);
            stack.Gates.Open("held");
        });
        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(CachePrice.Cost(40, 12), row.Charged);
        Assert.Equal((0, 0L), ((await AccountAsync(stack)).ActiveReservations, (await AccountAsync(stack)).Pending));

        // max_tokens is required, as Anthropic requires it, and no default is ever added: refused before anything is held or forwarded.
        foreach (var (bad, code) in new[]
        {
            ("", "missing_field"), (""","max_tokens":null""", "missing_field"), (""","max_tokens":0""", "invalid_field"),
            (",\"max_tokens\":\"64\"", "invalid_field"), (""","max_tokens":1.5""", "invalid_field"),
        })
        {
            using var refused = await stack.Proxy().SendAsync(Messages($$"""{"model":"{{ProxyStack.ClaudeModel}}","messages":[{"role":"user","content":"Hi"}]{{bad}}}"""));
            var error = await AssertAnthropicErrorAsync(refused, HttpStatusCode.BadRequest, "invalid_request_error", code);
            Assert.Contains("max_tokens", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        Assert.Single(stack.Received.Snapshot());
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_is_charged_the_usage_of_message_delta_which_the_gateway_reads_on_for()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync(price: CachePriceJson);
        // message_start (input, 1 output token) arrives before the client leaves; the rest, message_delta's usage included, after.
        var requestId = await LeaveAfterFirstEventAsync(stack.Proxy(), Messages($$"""
            {"model":"{{ProxyStack.ClaudeModel}}","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"Tell me a story"}],
             "fake":{"input_tokens":40,"output_tokens":300,"cached_tokens":60,"chunks":40,"chunk_delay_ms":25,"hold":"left"} }
            """));
        stack.Gates.Open("left");

        var row = await stack.SettledAsync(requestId);
        Assert.Equal((100L, 300L, "client_disconnected", true, false), (row.InputTokens, row.OutputTokens, row.Outcome, row.Streamed, row.Estimated));
        Assert.Equal(CachePrice.Cost(100, 300, new TokenDetails(CachedInput: 60)), row.Charged);
    }

    [Fact]
    public async Task A_stream_cut_before_message_delta_is_charged_the_providers_input_and_the_counted_output_once_and_the_client_gets_an_error_event()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync();
        using var estimated = new MeasurementCounter(ProxyMetrics.EstimatedName);
        using var response = await stack.Proxy().SendAsync(Messages($$"""
            {"model":"{{ProxyStack.ClaudeModel}}","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":40,"chunks":8,"cut_after":3} }
            """), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);

        var last = JsonDocument.Parse(events[^1]).RootElement; // the gateway's event: error, in Anthropic's shape
        Assert.Equal(("error", "api_error", "upstream_error"), (last.GetProperty("type").GetString(), last.GetProperty("error").GetProperty("type").GetString(),
            last.GetProperty("error").GetProperty("details").GetProperty("error_code").GetString()));
        Assert.Equal(RequestId(response), last.GetProperty("request_id").GetString());

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal((40L, "upstream_error", true), (row.InputTokens, row.Outcome, row.Estimated)); // message_start's input, the provider's own
        Assert.InRange(row.OutputTokens, 2, 39); // the three deltas relayed, counted; not message_start's one token
        Assert.Equal(DemoPrice.Cost(row.InputTokens, row.OutputTokens), row.Charged);
        Assert.Equal(1, estimated.Count(("provider", FakeProvider.AnthropicProvider), ("model", ProxyStack.ClaudeModel)));
    }

    [Fact]
    public async Task A_providers_error_event_mid_stream_is_relayed_as_it_came_and_settled_once_as_an_upstream_error()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync();
        using var response = await stack.Proxy().SendAsync(Messages($$"""
            {"model":"{{ProxyStack.ClaudeModel}}","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":40,"chunks":8,"cut_after":2,"status":529} }
            """), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);
        var error = JsonDocument.Parse(events[^1]).RootElement.GetProperty("error");
        Assert.Equal(("overloaded_error", "fake upstream failure"), (error.GetProperty("type").GetString(), error.GetProperty("message").GetString()));
        Assert.Single(events, data => data.Contains("\"error\"", StringComparison.Ordinal)); // the provider's, and no second one of the gateway's

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal((40L, "upstream_error", true), (row.InputTokens, row.Outcome, row.Estimated));
        Assert.InRange(row.OutputTokens, 1, 39);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_upstream_error_status_is_passed_through_as_anthropic_wrote_it_and_not_charged(bool stream)
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync();
        using var response = await stack.Proxy().SendAsync(Messages($$"""
            {"model":"{{ProxyStack.ClaudeModel}}","max_tokens":100,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}],"fake":{"status":529} }
            """));
        Assert.Equal(529, (int)response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("overloaded_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith("req_fake_", body.GetProperty("request_id").GetString(), StringComparison.Ordinal); // the provider's own body

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(("upstream_error", 0L, 0L, 0L), (row.Outcome, row.InputTokens, row.OutputTokens, row.Charged));
    }

    [Fact]
    public async Task A_silent_provider_times_out_in_anthropics_shape_before_and_during_a_stream_each_settled_once()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: $"--Proxy:Providers:{FakeProvider.AnthropicProvider}:Timeout=00:00:01");
        await stack.AddAnthropicModelAsync();

        using var before = await stack.Proxy().SendAsync(Messages($$"""
            {"model":"{{ProxyStack.ClaudeModel}}","max_tokens":100,"messages":[{"role":"user","content":"Hi"}],"fake":{"first_byte_delay_ms":5000} }
            """));
        await AssertAnthropicErrorAsync(before, HttpStatusCode.GatewayTimeout, "timeout_error", "upstream_timeout");
        var beforeRow = await stack.SettledAsync(RequestId(before));
        Assert.Equal(("upstream_timeout", 0L), (beforeRow.Outcome, beforeRow.Charged));

        using var during = await stack.Proxy().SendAsync(Messages($$"""
            {"model":"{{ProxyStack.ClaudeModel}}","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":12,"hold":"never-opened"} }
            """), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(during);
        var error = JsonDocument.Parse(events[^1]).RootElement.GetProperty("error");
        Assert.Equal(("timeout_error", "upstream_timeout"), (error.GetProperty("type").GetString(), error.GetProperty("details").GetProperty("error_code").GetString()));
        var duringRow = await stack.SettledAsync(RequestId(during));
        Assert.Equal(("upstream_timeout", 40L, true), (duringRow.Outcome, duringRow.InputTokens, duringRow.Estimated));
        Assert.Equal(DemoPrice.Cost(40, duringRow.OutputTokens), duringRow.Charged);
    }

    [Fact]
    public async Task Tollgates_own_refusals_on_the_messages_api_are_in_anthropics_shape_with_its_stable_code()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync();
        var admin = stack.Cluster.Admin;
        var body = $$"""{"model":"{{ProxyStack.ClaudeModel}}","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}""";

        // A key limited to one request a minute: the second is a 429 with Retry-After.
        var (limitedId, limitedKey) = await CreateKeyAsync(admin, ProxyStack.Account);
        await AdminAsync(admin, HttpMethod.Put, $"/admin/keys/{limitedId}/limits", """{"requests_per_minute":1}""");
        using (var first = await stack.Cluster.ClientOf(0, limitedKey).SendAsync(Messages(body))) Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using (var limited = await stack.Cluster.ClientOf(0, limitedKey).SendAsync(Messages(body)))
        {
            await AssertAnthropicErrorAsync(limited, HttpStatusCode.TooManyRequests, "rate_limit_error", "rate_limit_exceeded");
            Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }

        // No credit: a 402 billing_error, which Anthropic's SDK does not retry.
        await CreateAccountAsync(admin, "broke", 0);
        var (_, brokeKey) = await CreateKeyAsync(admin, "broke");
        using (var broke = await stack.Cluster.ClientOf(0, brokeKey).SendAsync(Messages(body)))
            await AssertAnthropicErrorAsync(broke, HttpStatusCode.PaymentRequired, "billing_error", Denials.InsufficientCredit);

        // A key that may not use the model; an unknown model.
        var (narrowId, narrowKey) = await CreateKeyAsync(admin, ProxyStack.Account);
        await AdminAsync(admin, HttpMethod.Put, $"/admin/keys/{narrowId}/models", """{"models":["gpt-*"]}""");
        using (var forbidden = await stack.Cluster.ClientOf(0, narrowKey).SendAsync(Messages(body)))
            await AssertAnthropicErrorAsync(forbidden, HttpStatusCode.Forbidden, "permission_error", Denials.ModelNotAllowed);
        using (var unknown = await stack.Proxy().SendAsync(Messages(body.Replace(ProxyStack.ClaudeModel, "nobody-routed-this", StringComparison.Ordinal))))
            await AssertAnthropicErrorAsync(unknown, HttpStatusCode.NotFound, "not_found_error", "model_not_found");

        // Bad input: without anthropic-version (Anthropic requires it), malformed JSON, a body too large.
        using (var unversioned = await stack.Proxy().SendAsync(Messages(body, version: null)))
            await AssertAnthropicErrorAsync(unversioned, HttpStatusCode.BadRequest, "invalid_request_error", "missing_header");
        using (var malformed = await stack.Proxy().SendAsync(Messages("""{"model":""")))
            await AssertAnthropicErrorAsync(malformed, HttpStatusCode.BadRequest, "invalid_request_error", "malformed_json");
        // Paths the Messages API does not serve, and methods it does not take, answer in its shape too.
        using (var batches = await stack.Proxy().SendAsync(Messages(body, "/v1/messages/batches")))
            await AssertAnthropicErrorAsync(batches, HttpStatusCode.NotFound, "not_found_error", "not_found");
        using (var get = await stack.Proxy().GetAsync("/v1/messages"))
            await AssertAnthropicErrorAsync(get, HttpStatusCode.MethodNotAllowed, "invalid_request_error", "method_not_allowed");

        // The OpenAI endpoints keep OpenAI's shape.
        using var chat = await stack.Cluster.ClientOf(0, brokeKey).SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}"""));
        await Http.AssertErrorAsync(chat, HttpStatusCode.PaymentRequired, Denials.InsufficientCredit);
        using var textCap = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","max_tokens":"64","messages":[{"role":"user","content":"Hi"}]}"""));
        await Http.AssertErrorAsync(textCap, HttpStatusCode.BadRequest, "invalid_field"); // a cap of the wrong kind is bad input, not a 500
        Assert.Single(stack.Received.Snapshot()); // only the limited key's first request was forwarded
    }

    [Fact]
    public async Task A_model_routed_to_a_provider_of_the_other_api_is_refused_never_translated_nor_charged()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync();
        // Twice each: the first request of a model on a gateway is authorized and given back, the next refused before its authorize.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var messages = await stack.Proxy().SendAsync(Messages($$"""{"model":"{{ProxyStack.Model}}","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}"""));
            var error = await AssertAnthropicErrorAsync(messages, HttpStatusCode.BadRequest, "invalid_request_error", "model_api_mismatch");
            Assert.Contains("/v1/chat/completions", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

            using var chat = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{ProxyStack.ClaudeModel}}","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}"""));
            await Http.AssertErrorAsync(chat, HttpStatusCode.BadRequest, "model_api_mismatch");
            Assert.Null(await stack.UsageAsync(RequestId(chat)));
            Assert.Null(await stack.UsageAsync(RequestId(messages)));
        }
        // Once each model has been served as its API, a wrong request for it is still refused.
        using (var served = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}""")))
            await stack.SettledAsync(RequestId(served));
        using (var wrong = await stack.Proxy().SendAsync(Messages($$"""{"model":"{{ProxyStack.Model}}","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}""")))
            await AssertAnthropicErrorAsync(wrong, HttpStatusCode.BadRequest, "invalid_request_error", "model_api_mismatch");

        Assert.Single(stack.Received.Snapshot());
        var account = await AccountAsync(stack);
        Assert.Equal((0, 0L), (account.ActiveReservations, account.Pending));
        Assert.Equal(1, await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM usage_events"));

        // A route changed to the other kind is followed at once, not refused on what the gateway saw before.
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/models/{ProxyStack.Model}/route",
            $$"""{"provider":"{{FakeProvider.AnthropicProvider}}","upstream_model":"{{ProxyStack.ClaudeUpstreamModel}}"}""");
        using var rerouted = await stack.Proxy().SendAsync(Messages($$"""{"model":"{{ProxyStack.Model}}","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}"""));
        Assert.Equal(HttpStatusCode.OK, rerouted.StatusCode);
    }

    [Fact]
    public async Task An_unknown_provider_kind_stops_a_gateway_with_a_clear_error()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => stack.Cluster.AddGatewayAsync(
            "--Proxy:Providers:azure:BaseUrl=https://example.openai.azure.com/v1", "--Proxy:Providers:azure:Kind=azure"));
        Assert.Contains("Proxy:Providers:azure:Kind", failure.Message, StringComparison.Ordinal);
        Assert.Contains("openai", failure.Message, StringComparison.Ordinal);
        Assert.Contains("anthropic", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_tokens_is_forwarded_to_the_models_provider_and_neither_metered_nor_charged()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync();
        var body = $$"""{"model":"{{ProxyStack.ClaudeModel}}","system":"Be brief.","messages":[{"role":"user","content":"How many tokens is this?"}],"fake":{"input_tokens":321} }""";

        var request = Messages(body, "/v1/messages/count_tokens");
        request.Headers.Authorization = null;
        request.Headers.Add("x-api-key", stack.Key);
        using var counted = await stack.Cluster.Gateway.SendAsync(request);
        Assert.Equal(321, (await Http.ReadAsync(counted)).GetProperty("input_tokens").GetInt64()); // the provider's answer, as it came
        Assert.Null(Header(counted, "x-request-id")); // not metered: no request of Tollgate's, no usage row
        var forwarded = stack.Received.Snapshot().Single();
        Assert.Equal(("/v1/messages/count_tokens", ProxyStack.ClaudeUpstreamModel, true, false, AnthropicVersion),
            (forwarded.Path, JsonDocument.Parse(forwarded.Body).RootElement.GetProperty("model").GetString(), forwarded.HasApiKey, forwarded.HasAuthorization, forwarded.AnthropicVersion));
        Assert.Equal(0, await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM usage_events"));
        Assert.Equal(ProxyStack.Credit, await BalanceAsync(stack, ProxyStack.Account));

        // The key is checked, and its access to the model; the model must be routed, to an anthropic provider.
        var (narrowId, narrowKey) = await CreateKeyAsync(stack.Cluster.Admin, ProxyStack.Account);
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{narrowId}/models", """{"models":["gpt-*"]}""");
        using (var badKey = await stack.Cluster.ClientOf(0, "tg_0123456789abcdef_notakey").SendAsync(Messages(body, "/v1/messages/count_tokens")))
            await AssertAnthropicErrorAsync(badKey, HttpStatusCode.Unauthorized, "authentication_error", "invalid_api_key");
        using (var forbidden = await stack.Cluster.ClientOf(0, narrowKey).SendAsync(Messages(body, "/v1/messages/count_tokens")))
            await AssertAnthropicErrorAsync(forbidden, HttpStatusCode.Forbidden, "permission_error", Denials.ModelNotAllowed);
        using (var unrouted = await stack.Proxy().SendAsync(Messages(body.Replace(ProxyStack.ClaudeModel, "nobody-routed-this", StringComparison.Ordinal), "/v1/messages/count_tokens")))
            await AssertAnthropicErrorAsync(unrouted, HttpStatusCode.NotFound, "not_found_error", "model_not_found");
        using (var openAi = await stack.Proxy().SendAsync(Messages(body.Replace(ProxyStack.ClaudeModel, ProxyStack.Model, StringComparison.Ordinal), "/v1/messages/count_tokens")))
            await AssertAnthropicErrorAsync(openAi, HttpStatusCode.BadRequest, "invalid_request_error", "model_api_mismatch");
        using (var unversioned = await stack.Proxy().SendAsync(Messages(body, "/v1/messages/count_tokens", version: null)))
            await AssertAnthropicErrorAsync(unversioned, HttpStatusCode.BadRequest, "invalid_request_error", "missing_header");
        Assert.Single(stack.Received.Snapshot());
    }

    [Fact]
    public async Task Models_are_listed_in_anthropics_shape_when_asked_with_anthropic_version_each_shape_with_its_apis_models()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddAnthropicModelAsync();

        using var anthropicRequest = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        anthropicRequest.Headers.Add("anthropic-version", AnthropicVersion);
        anthropicRequest.Headers.Add("x-api-key", stack.Key);
        using var anthropic = await stack.Cluster.Gateway.SendAsync(anthropicRequest);
        var list = await Http.ReadAsync(anthropic);
        var model = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal(("model", ProxyStack.ClaudeModel, ProxyStack.ClaudeModel), (model.GetProperty("type").GetString(), model.GetProperty("id").GetString(),
            model.GetProperty("display_name").GetString()));
        Assert.True(DateTimeOffset.TryParse(model.GetProperty("created_at").GetString(), out _));
        Assert.False(list.GetProperty("has_more").GetBoolean());
        Assert.Equal((ProxyStack.ClaudeModel, ProxyStack.ClaudeModel), (list.GetProperty("first_id").GetString(), list.GetProperty("last_id").GetString()));

        using var openAi = await stack.Proxy().GetAsync("/v1/models");
        var openAiList = await Http.ReadAsync(openAi);
        Assert.Equal("list", openAiList.GetProperty("object").GetString());
        Assert.Equal([ProxyStack.Model], openAiList.GetProperty("data").EnumerateArray().Select(entry => entry.GetProperty("id").GetString()));

        // Asked as Anthropic, refused as Anthropic.
        using var refusedRequest = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        refusedRequest.Headers.Add("anthropic-version", AnthropicVersion);
        refusedRequest.Headers.Add("x-api-key", "tg_0123456789abcdef_notakey");
        using var refused = await stack.Cluster.Gateway.SendAsync(refusedRequest);
        await AssertAnthropicErrorAsync(refused, HttpStatusCode.Unauthorized, "authentication_error", "invalid_api_key");
    }

    /// <summary>Asserts Anthropic's error shape: the status, the type Anthropic gives it, Tollgate's code in <c>details.error_code</c>, a message, and the request's id.</summary>
    internal static async Task<JsonElement> AssertAnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {type} {code}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal("error", body.GetProperty("type").GetString());
        var error = body.GetProperty("error");
        Assert.Equal((type, code), (error.GetProperty("type").GetString(), error.GetProperty("details").GetProperty("error_code").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(Header(response, "x-request-id"), body.GetProperty("request_id").GetString());
        return body;
    }

    private static Task<string?> KindsAsync(ProxyStack stack, string requestId) => Ledger.TextAsync(stack.Cluster.Database, $"""
        SELECT concat_ws(',', cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens)
        FROM usage_events WHERE request_id = '{requestId}'
        """);

    private static Task<AccountSnapshot> AccountAsync(ProxyStack stack) => stack.Cluster.Grains.Account(ProxyStack.Account).Get(new GetAccount(0, null));

    private static async Task<long> BalanceAsync(ProxyStack stack, string account)
    {
        using var response = await stack.Cluster.Admin.GetAsync($"/admin/accounts/{account}");
        return (await Http.ReadAsync(response)).GetProperty("balance").GetInt64();
    }
}
