using System.Net;
using System.Text.Json;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// The proxy's metering, through real gateways to the fake upstream on real PostgreSQL: what each way a
/// request can end is charged and recorded as.
/// </summary>
public sealed class ProxyMeteringTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Price DemoPrice = new(ProxyStack.InputPrice, ProxyStack.OutputPrice);

    [Fact]
    public async Task A_request_is_forwarded_under_the_upstream_name_and_charged_the_providers_usage()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Héllo 你好 <b>&'"}],"fake":{"input_tokens":1000,"output_tokens":500} }
            """));
        var answer = await Http.ReadAsync(response);
        Assert.Equal(500, answer.GetProperty("usage").GetProperty("completion_tokens").GetInt64());

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(new UsageRow(1000, 500, "success", false, false, DemoPrice.Cost(1000, 500), DemoPrice.Cost(1000, 500), ProxyStack.InputPrice, "127.0.0.1", null), row);
        var forwarded = JsonDocument.Parse(stack.Received.Snapshot().Single().Body).RootElement;
        Assert.Equal(ProxyStack.UpstreamModel, forwarded.GetProperty("model").GetString());
        Assert.False(forwarded.TryGetProperty("stream_options", out _));
        // Text goes on as the client wrote it, not escaped to \uXXXX (six bytes for each character of a non-Latin prompt).
        Assert.Contains("\"content\":\"Héllo 你好 <b>&'\"", stack.Received.Snapshot().Single().Body);
        Assert.True(stack.Received.Snapshot().Single().HasAuthorization); // the provider's key (the fake refuses any other)
        Assert.Equal(ProxyStack.Credit - row.Cost, await BalanceAsync(stack));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_leaves_before_the_first_byte_is_charged_the_providers_usage_which_the_gateway_waits_for(bool stream)
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await LeaveOnceForwardedAsync(stack, $$"""
            {"model":"{{ProxyStack.Model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hello"}],
             "fake":{"input_tokens":40,"output_tokens":12,"first_byte_delay_ms":1500} }
            """);

        var row = await stack.OnlySettledAsync(); // the provider answers 1.5 s after the client left
        Assert.Equal((40L, 12L, "client_disconnected", stream, false), (row.InputTokens, row.OutputTokens, row.Outcome, row.Streamed, row.Estimated));
        Assert.Equal(DemoPrice.Cost(40, 12), row.Cost);
    }

    [Fact]
    public async Task A_client_that_leaves_before_a_provider_that_does_not_answer_in_the_drain_time_is_charged_its_input_estimate()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: "--Proxy:DrainAfterDisconnect=00:00:01");
        await LeaveOnceForwardedAsync(stack, $$"""
            {"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hello"}],"fake":{"input_tokens":40,"first_byte_delay_ms":60000} }
            """);

        var row = await stack.OnlySettledAsync(); // within its deadline: the gateway stopped waiting a second after the client left
        Assert.Equal(("client_disconnected", 0L, true), (row.Outcome, row.OutputTokens, row.Estimated));
        Assert.InRange(row.InputTokens, 1, 39); // the gateway's count of "Hello" as a chat, not the provider's 40 it never saw
    }

    [Fact]
    public async Task A_client_that_leaves_before_its_request_was_all_sent_to_the_provider_is_charged_nothing()
    {
        // A provider that takes the connection and never reads: a 24 MiB request cannot all leave the gateway.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: $"--Proxy:Providers:silent:BaseUrl=http://127.0.0.1:{port}/v1");
        await SetPriceAsync(stack.Cluster.Admin, "unread", ProxyStack.InputPrice, ProxyStack.OutputPrice);
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, "/admin/models/unread/route", """{"provider":"silent","upstream_model":"unread"}""");
        var accepting = silent.AcceptTcpClientAsync();

        using var leave = new CancellationTokenSource();
        var sending = stack.Proxy().SendAsync(Chat($$"""
            {"model":"unread","messages":[{"role":"user","content":"{{new string('a', 24 * 1024 * 1024)}}"}]}
            """), HttpCompletionOption.ResponseHeadersRead, leave.Token);
        using var connection = await accepting.WaitAsync(TimeSpan.FromSeconds(30)); // the gateway is sending it
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);

        var row = await stack.OnlySettledAsync();
        Assert.Equal(("client_disconnected", 0L, 0L, 0L), (row.Outcome, row.InputTokens, row.OutputTokens, row.Cost));
    }

    /// <summary>Sends a request and cancels it once the provider has it, before the answer's first byte (the fake must be slow to answer).</summary>
    private static async Task LeaveOnceForwardedAsync(ProxyStack stack, string body)
    {
        using var leave = new CancellationTokenSource();
        var sending = stack.Proxy().SendAsync(Chat(body), HttpCompletionOption.ResponseHeadersRead, leave.Token);
        await Eventually.TrueAsync(() => Task.FromResult(stack.Received.Snapshot().Count == 1), "the request was not forwarded", seconds: 15);
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }

    [Fact]
    public async Task An_answer_larger_than_max_response_bytes_is_a_502_charged_the_usage_at_its_end()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: "--Proxy:MaxResponseBytes=1024");
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hello"}],"fake":{"input_tokens":40,"output_tokens":500} }
            """)); // about 3.5 KB of "fake0 fake1 …", the usage after it
        await Http.AssertErrorAsync(response, HttpStatusCode.BadGateway, "response_too_large");

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal((40L, 500L, "response_too_large", false), (row.InputTokens, row.OutputTokens, row.Outcome, row.Estimated));
        Assert.Equal(DemoPrice.Cost(40, 500), row.Cost);
    }

    [Theory]
    [InlineData(false, 4 * 1024 * 1024)] // the provider reports none
    [InlineData(true, 1024)] // its end, with the usage, is more than Proxy:DrainMaxBytes past Proxy:MaxResponseBytes
    public async Task An_answer_larger_than_max_response_bytes_without_usage_found_is_charged_its_input_estimate_and_output_cap(bool usage, int drainMaxBytes)
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: ["--Proxy:MaxResponseBytes=1024", $"--Proxy:DrainMaxBytes={drainMaxBytes}"]);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","max_tokens":600,"messages":[{"role":"user","content":"Hello"}],
             "fake":{"output_tokens":500,"usage":{{(usage ? "true" : "false")}}} }
            """));
        await Http.AssertErrorAsync(response, HttpStatusCode.BadGateway, "response_too_large");

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal((600L, "response_too_large", true), (row.OutputTokens, row.Outcome, row.Estimated));
        Assert.InRange(row.InputTokens, 1, 39);
    }

    [Fact]
    public async Task A_providers_usage_beyond_what_a_settle_takes_is_charged_capped_and_marked_estimated()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hello"}],"fake":{"input_tokens":150000000,"output_tokens":5,"cached_tokens":120000000} }
            """));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal((Price.MaxTokens, 5L, true, DemoPrice.Cost(Price.MaxTokens, 5)), (row.InputTokens, row.OutputTokens, row.Estimated, row.Charged));
        // The cached part is kept within the capped total (the row's CHECK would refuse it otherwise).
        Assert.Equal(Price.MaxTokens, await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT cached_input_tokens FROM usage_events WHERE request_id = $1", RequestId(response)));
    }

    [Fact]
    public async Task Input_is_counted_with_the_tokenizer_of_the_providers_name_for_the_model()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        // An alias whose provider model (gpt-4) counts with cl100k_base, where its own name would count with o200k_base.
        await SetPriceAsync(stack.Cluster.Admin, "fast", ProxyStack.InputPrice, ProxyStack.OutputPrice);
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, "/admin/models/fast/route", """{"provider":"fake","upstream_model":"gpt-4"}""");
        const string text = "Tokenizers disagree about 你好世界, emoji 🎉🎉 and rare words like floccinaucinihilipilification.";
        var body = $$"""{"model":"fast","messages":[{"role":"user","content":"{{text}}"}],"max_tokens":5,"fake":{"usage":false} }""";
        var counter = new Tollgate.Gateway.Proxy.TokenCounter();
        var (byUpstream, byAlias) = (counter.ChatInput(JsonDocument.Parse(body).RootElement, "gpt-4"), counter.ChatInput(JsonDocument.Parse(body).RootElement, "fast"));
        Assert.NotEqual(byUpstream, byAlias);

        // The first request of the model on this gateway is counted before the cluster names its route; every later one with it.
        for (var i = 0; i < 2; i++)
        {
            using var response = await stack.Proxy().SendAsync(Chat(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var row = await stack.SettledAsync(RequestId(response));
            Assert.Equal((i == 0 ? byAlias : byUpstream, true), (row.InputTokens, row.Estimated));
        }
    }

    [Fact]
    public async Task A_body_with_a_duplicate_key_is_refused_before_anything_is_held_or_forwarded()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        // Which "stream" or "max_tokens" counts would be up to each parser: the gateway's and the provider's may differ.
        foreach (var body in new[]
        {
            $$"""{"model":"{{ProxyStack.Model}}","stream":false,"messages":[{"role":"user","content":"Hi"}],"stream":true}""",
            $$"""{"model":"{{ProxyStack.Model}}","max_tokens":1,"messages":[{"role":"user","content":"Hi","role":"system"}]}""",
        })
        {
            using var response = await stack.Proxy().SendAsync(Chat(body));
            await Http.AssertErrorAsync(response, HttpStatusCode.BadRequest, "malformed_json");
            Assert.Null(await stack.UsageAsync(RequestId(response)));
        }
        Assert.Empty(stack.Received.Snapshot());
        Assert.Equal(ProxyStack.Credit, await BalanceAsync(stack));
    }

    [Fact]
    public async Task An_answer_to_a_request_without_an_output_cap_stays_within_its_hold()
    {
        // The fake answers 16 tokens unless capped lower; the gateway holds 5 for an uncapped request and must say so upstream.
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: "--Proxy:DefaultMaxOutputTokens=5");
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hello"}],"max_tokens":null}
            """));
        Assert.Equal(5, (await Http.ReadAsync(response)).GetProperty("usage").GetProperty("completion_tokens").GetInt64());

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(5, row.OutputTokens);
        var forwarded = JsonDocument.Parse(stack.Received.Snapshot().Single().Body).RootElement;
        Assert.Equal(5, forwarded.GetProperty("max_completion_tokens").GetInt64());
        Assert.False(forwarded.TryGetProperty("max_tokens", out _));
    }

    [Fact]
    public async Task An_upstream_error_is_passed_through_with_its_status_and_not_charged()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],"fake":{"status":500} }
            """));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("fake_500", error.GetProperty("code").GetString()); // the provider's own body

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(("upstream_error", 0L, 0L, 0L, false), (row.Outcome, row.InputTokens, row.OutputTokens, row.Cost, row.Estimated));
        Assert.Equal(ProxyStack.Credit, await BalanceAsync(stack));
    }

    [Fact]
    public async Task An_unrouted_or_unknown_model_is_a_404_and_never_forwarded()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await SetPriceAsync(stack.Cluster.Admin, "priced-but-unrouted", 1, 1);
        foreach (var model in new[] { "priced-but-unrouted", "nobody-configured-this", "bad name" })
        {
            using var response = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{model}}","messages":[{"role":"user","content":"Hi"}]}"""));
            await Http.AssertErrorAsync(response, HttpStatusCode.NotFound, "model_not_found");
        }
        Assert.Empty(stack.Received.Snapshot());
    }

    [Fact]
    public async Task A_routed_model_without_a_price_is_refused_with_its_own_code()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, "/admin/models/free-lunch/route", """{"provider":"fake"}""");
        using var response = await stack.Proxy().SendAsync(Chat("""{"model":"free-lunch","messages":[{"role":"user","content":"Hi"}]}"""));
        await Http.AssertErrorAsync(response, HttpStatusCode.NotFound, "model_not_priced");
        Assert.Empty(stack.Received.Snapshot());
    }

    [Fact]
    public async Task Keys_are_checked_before_anything_is_forwarded()
    {
        var verifications = 0;
        await using var stack = await ProxyStack.StartAsync(postgres, 1, null, silo => silo.AddIncomingGrainCallFilter(context =>
        {
            if (context.Request.GetArgumentCount() == 1 && context.Request.GetArgument(0) is VerifyApiKey) Interlocked.Increment(ref verifications);
            return context.Invoke();
        }));
        var body = $$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}""";
        using (var missing = await stack.Cluster.Gateway.SendAsync(Chat(body))) await Http.AssertErrorAsync(missing, HttpStatusCode.Unauthorized, "invalid_api_key");
        using (var wrong = await stack.Cluster.ClientOf(0, stack.Key[..^4] + "AAAA").SendAsync(Chat(body)))
            await Http.AssertErrorAsync(wrong, HttpStatusCode.Unauthorized, "invalid_api_key");
        using (var service = await stack.Cluster.Metering.SendAsync(Chat(body))) await Http.AssertErrorAsync(service, HttpStatusCode.Unauthorized, "invalid_api_key");
        Assert.Empty(stack.Received.Snapshot());

        // A key the gateway has seen verified is not verified again before its body is read; revoked, it is still refused before anything is forwarded.
        var before = Volatile.Read(ref verifications);
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await stack.Proxy().SendAsync(Chat(body));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        Assert.Equal(before + 1, Volatile.Read(ref verifications));

        // A model the key may no longer use: refused, and the key is verified again on its next request (its models as they are now).
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/models", """{"models":["other-*"]}""");
        using (var narrowed = await stack.Proxy().SendAsync(Chat(body))) await Http.AssertErrorAsync(narrowed, HttpStatusCode.Forbidden, "model_not_allowed");
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/models", """{"models":null}""");
        using (var widened = await stack.Proxy().SendAsync(Chat(body))) Assert.Equal(HttpStatusCode.OK, widened.StatusCode);
        Assert.Equal(before + 2, Volatile.Read(ref verifications));
        using (var known = await stack.Proxy().SendAsync(Chat(body))) Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(before + 2, Volatile.Read(ref verifications));
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Post, $"/admin/keys/{stack.KeyId}/revoke", "{}");
        for (var i = 0; i < 2; i++)
        {
            using var revoked = await stack.Proxy().SendAsync(Chat(body));
            await Http.AssertErrorAsync(revoked, HttpStatusCode.Unauthorized, "key_revoked");
        }
        Assert.Equal(5, stack.Received.Snapshot().Count);
    }

    [Fact]
    public async Task Rate_limit_headers_come_with_every_answer_and_a_429_says_when_to_retry()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/limits", """{"requests_per_minute":2,"tokens_per_minute":100000}""");
        var body = $$"""{"model":"{{ProxyStack.Model}}","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]}""";
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await stack.Proxy().SendAsync(Chat(body));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(("2", $"{1 - i}"), (Header(allowed, "x-ratelimit-limit-requests"), Header(allowed, "x-ratelimit-remaining-requests")));
            Assert.Equal("100000", Header(allowed, "x-ratelimit-limit-tokens"));
            Assert.NotNull(Header(allowed, "x-ratelimit-reset-requests"));
        }
        using var denied = await stack.Proxy().SendAsync(Chat(body));
        await Http.AssertErrorAsync(denied, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.True(denied.Headers.RetryAfter?.Delta?.TotalSeconds is >= 1 and <= 62, $"Retry-After: {denied.Headers.RetryAfter}, retry-after-ms: {Header(denied, "retry-after-ms")}");
        Assert.Equal("0", Header(denied, "x-ratelimit-remaining-requests"));
        Assert.Equal("requests", JsonDocument.Parse(await denied.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(2, stack.Received.Snapshot().Count);
    }

    [Fact]
    public async Task Insufficient_credit_is_a_402_the_sdks_do_not_retry()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await CreateAccountAsync(stack.Cluster.Admin, "broke", 0);
        var (_, key) = await CreateKeyAsync(stack.Cluster.Admin, "broke");
        using var response = await stack.Cluster.ClientOf(0, key).SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}"""));
        await Http.AssertErrorAsync(response, HttpStatusCode.PaymentRequired, "insufficient_credit");
        Assert.Equal("insufficient_quota", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Empty(stack.Received.Snapshot());
    }

    [Fact]
    public async Task Answers_carry_the_tightest_budgets_and_a_budget_spent_is_a_402_naming_it()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/accounts/{ProxyStack.Account}/budgets/monthly", """{"period":"month","cap_nano_usd":1000000000,"cap_tokens":1000000}""");
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/budgets/weekly", """{"period":"week","cap_nano_usd":2000000000}""");
        var body = $$"""{"model":"{{ProxyStack.Model}}","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]}""";

        using (var allowed = await stack.Proxy().SendAsync(Chat(body)))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            var usd = decimal.Parse(Header(allowed, "x-tollgate-budget-remaining-usd")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(usd, 0.5m, 0.999999999m); // the account's 1 USD less this request's hold: tighter than the key's 2 USD
            Assert.InRange(long.Parse(Header(allowed, "x-tollgate-budget-remaining-tokens")!), 999_000, 999_899); // less at least the 100 output tokens held
            var now = DateTimeOffset.UtcNow;
            Assert.StartsWith(new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1).ToString("yyyy-MM-dd'T'00:00:00+00:00"),
                Header(allowed, "x-tollgate-budget-reset-usd"));
        }

        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/budgets/weekly", """{"period":"week","cap_nano_usd":0}""");
        using var denied = await stack.Proxy().SendAsync(Chat(body));
        await Http.AssertErrorAsync(denied, HttpStatusCode.PaymentRequired, "budget_exceeded");
        var error = JsonDocument.Parse(await denied.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Contains($"week budget 'weekly' of key '{stack.KeyId}'", error.GetProperty("message").GetString());
        Assert.Equal("0", Header(denied, "x-tollgate-budget-remaining-usd")); // the key's budget is now the tightest
        Assert.Single(stack.Received.Snapshot()); // the provider never saw the denied request
    }

    [Fact]
    public async Task A_provider_slower_than_its_timeout_is_a_504_and_settles_as_upstream_timeout()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: "--Proxy:Providers:fake:Timeout=00:00:01");
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}],"fake":{"first_byte_delay_ms":5000} }
            """));
        await Http.AssertErrorAsync(response, HttpStatusCode.GatewayTimeout, "upstream_timeout");
        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(("upstream_timeout", 0L), (row.Outcome, row.Cost));
    }

    [Fact]
    public async Task The_caller_ip_comes_from_x_forwarded_for_only_through_a_trusted_proxy()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: "--Proxy:TrustedProxies:0=127.0.0.1");
        var untrusted = await stack.Cluster.AddGatewayAsync("--Proxy:TrustedProxies:0=10.9.9.9");
        var body = $$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}""";
        var seen = new string[2];
        for (var gateway = 0; gateway < 2; gateway++)
        {
            var request = Chat(body);
            request.Headers.Add("X-Forwarded-For", "203.0.113.9, 198.51.100.3");
            using var response = await stack.Proxy(gateway).SendAsync(request);
            seen[gateway] = (await stack.SettledAsync(RequestId(response))).CallerIp!;
        }
        Assert.Equal(["198.51.100.3", "127.0.0.1"], seen); // the right-most hop the trusted proxy added; a peer not trusted is the caller
        _ = untrusted;
    }

    [Fact]
    public async Task The_models_list_shows_the_routed_priced_models_to_a_valid_key()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, "/admin/models/unpriced/route", """{"provider":"fake"}""");
        await SetPriceAsync(stack.Cluster.Admin, "unrouted", 1, 1);
        using var response = await stack.Proxy().GetAsync("/v1/models");
        var list = await Http.ReadAsync(response);
        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.Equal([ProxyStack.Model], list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        using var anonymous = await stack.Cluster.Gateway.GetAsync("/v1/models");
        await Http.AssertErrorAsync(anonymous, HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task A_route_to_a_provider_the_gateway_does_not_know_is_refused()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using var response = await stack.Cluster.Admin.PutAsync($"/admin/models/{ProxyStack.Model}/route", Http.Json("""{"provider":"opeani"}"""));
        await Http.AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_route");
    }


    private static async Task<long> BalanceAsync(ProxyStack stack)
    {
        using var response = await stack.Cluster.Admin.GetAsync($"/admin/accounts/{ProxyStack.Account}");
        return (await Http.ReadAsync(response)).GetProperty("balance").GetInt64();
    }
}
