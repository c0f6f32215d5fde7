using System.Net;
using System.Text.Json;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// The proxy's metering of streamed answers, through real gateways to the fake upstream on real PostgreSQL: each
/// way a stream can end (done, cut, abandoned, without usage, across a price change or a gateway's stop) is charged
/// and recorded as what was streamed.
/// </summary>
public sealed class ProxyStreamTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Price DemoPrice = new(ProxyStack.InputPrice, ProxyStack.OutputPrice);

    [Fact]
    public async Task A_stream_is_charged_when_it_ends_with_the_providers_tokens_and_the_client_does_not_see_the_usage_it_did_not_ask_for()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":12,"chunks":6,"hold":"mid-stream"} }
            """), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = RequestId(response);
        var events = await ReadEventsAsync(response, afterFirstEvent: async () =>
        {
            Assert.Null(await stack.UsageAsync(requestId)); // mid-stream (the fake holds the rest): nothing charged yet
            stack.Gates.Open("mid-stream");
        });

        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(events, data => data.Contains("\"prompt_tokens\"", StringComparison.Ordinal));
        var forwarded = JsonDocument.Parse(stack.Received.Snapshot().Single().Body).RootElement;
        Assert.True(forwarded.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        var row = await stack.SettledAsync(requestId);
        Assert.Equal((40L, 12L, "success", true, false), (row.InputTokens, row.OutputTokens, row.Outcome, row.Streamed, row.Estimated));
        Assert.Equal(DemoPrice.Cost(40, 12), row.Cost);
    }

    [Fact]
    public async Task A_gateway_asked_to_stop_finishes_its_open_streams_and_settles_them()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.Cluster.AddGatewayAsync();
        using var response = await stack.Proxy(1).SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":12,"chunks":8,"hold":"stopping"} }
            """), HttpCompletionOption.ResponseHeadersRead);
        Task stopping = Task.CompletedTask;
        var events = await ReadEventsAsync(response, afterFirstEvent: () =>
        {
            stopping = stack.Cluster.StopGatewayAsync(1); // SIGTERM mid-stream: no new requests, the open ones run to their end
            stack.Gates.Open("stopping");
            return Task.CompletedTask;
        });

        Assert.Equal("[DONE]", events[^1]);
        await stopping;
        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal((40L, 12L, "success"), (row.InputTokens, row.OutputTokens, row.Outcome));
    }

    [Fact]
    public async Task A_client_that_asks_for_a_streams_usage_sees_it()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":12} }
            """), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);
        var usage = JsonDocument.Parse(events[^2]).RootElement.GetProperty("usage");
        Assert.Equal(12, usage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal((40L, 12L), ((await stack.SettledAsync(RequestId(response))).InputTokens, (await stack.SettledAsync(RequestId(response))).OutputTokens));
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_is_charged_the_providers_usage_which_the_gateway_reads_on_for()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        // The rest of the stream comes only once the client has left, over a second, so the gateway sees the departure mid-stream.
        var requestId = await LeaveAfterFirstEventAsync(stack.Proxy(), $$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Tell me a story"}],
             "fake":{"input_tokens":40,"output_tokens":300,"chunks":40,"chunk_delay_ms":25,"hold":"left"} }
            """);
        stack.Gates.Open("left");

        var row = await stack.SettledAsync(requestId);
        Assert.Equal((40L, 300L, "client_disconnected", true, false), (row.InputTokens, row.OutputTokens, row.Outcome, row.Streamed, row.Estimated));
        Assert.Equal(DemoPrice.Cost(40, 300), row.Cost);
    }

    [Fact]
    public async Task A_client_that_leaves_a_stream_the_provider_holds_is_charged_what_was_streamed_once_the_drain_time_is_up()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: "--Proxy:DrainAfterDisconnect=00:00:01");
        var requestId = await LeaveAfterFirstEventAsync(stack.Proxy(), $$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Tell me a story"}],
             "fake":{"input_tokens":40,"output_tokens":300,"chunks":40,"hold":"never-opened"} }
            """);

        var row = await stack.SettledAsync(requestId); // within its deadline: the gateway gave up on the provider after a second
        Assert.Equal(("client_disconnected", true, 0L), (row.Outcome, row.Estimated, row.OutputTokens)); // only the role chunk was relayed
        Assert.True(row.InputTokens > 0);
    }

    [Fact]
    public async Task The_gateway_reads_no_more_than_drain_max_bytes_of_a_stream_after_its_client_left()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: "--Proxy:DrainMaxBytes=1024");
        var requestId = await LeaveAfterFirstEventAsync(stack.Proxy(), $$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Tell me a story"}],
             "fake":{"input_tokens":40,"output_tokens":300,"chunks":40,"chunk_delay_ms":25,"hold":"bounded"} }
            """);
        stack.Gates.Open("bounded"); // about 10 KB of events follow, 25 ms apart: the gateway stops after the first KiB

        var row = await stack.SettledAsync(requestId);
        Assert.Equal(("client_disconnected", true), (row.Outcome, row.Estimated));
        Assert.InRange(row.OutputTokens, 0, 299);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_with_draining_off_is_charged_what_was_streamed_once_as_an_estimate()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, gatewaySettings: "--Proxy:DrainAfterDisconnect=00:00:00");
        const string model = "demo-disconnected";
        await stack.AddModelAsync(model);
        using var estimated = new MeasurementCounter(Tollgate.Gateway.Proxy.ProxyMetrics.EstimatedName);
        using var cancel = new CancellationTokenSource();
        var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{model}}","stream":true,"messages":[{"role":"user","content":"Tell me a story"}],
             "fake":{"output_tokens":100,"chunks":50,"chunk_delay_ms":100} }
            """), HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var requestId = RequestId(response);
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token)))
        {
            for (var seen = 0; seen < 4;)
            {
                if ((await reader.ReadLineAsync(cancel.Token))!.StartsWith("data: ", StringComparison.Ordinal)) seen++;
            }
            cancel.Cancel();
        }
        response.Dispose();

        var row = await stack.SettledAsync(requestId);
        Assert.Equal(("client_disconnected", true, true), (row.Outcome, row.Streamed, row.Estimated));
        Assert.InRange(row.OutputTokens, 1, 99); // what was relayed, not the whole answer
        Assert.True(row.InputTokens > 0);
        Assert.Equal(DemoPrice.Cost(row.InputTokens, row.OutputTokens), row.Cost);
        Assert.Equal(1, estimated.Count(("provider", "fake"), ("model", model)));
    }

    [Fact]
    public async Task A_stream_without_usage_is_charged_the_proxys_count_marked_estimated_and_counted_by_provider_and_model()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        const string model = "demo-no-usage";
        await stack.AddModelAsync(model);
        using var estimated = new MeasurementCounter(Tollgate.Gateway.Proxy.ProxyMetrics.EstimatedName);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],"fake":{"output_tokens":20,"usage":false} }
            """), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);
        Assert.Equal("[DONE]", events[^1]);

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(("success", true), (row.Outcome, row.Estimated));
        Assert.InRange(row.OutputTokens, 10, 60); // the fake's 20 words, as the tokenizer counts them
        Assert.True(row.InputTokens > 0);
        Assert.Equal(1, estimated.Count(("provider", "fake"), ("model", model)));
    }

    [Fact]
    public async Task A_stream_cut_by_the_provider_settles_once_with_what_was_streamed_and_the_client_is_told()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],"fake":{"output_tokens":40,"chunks":8,"cut_after":3} }
            """), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);
        Assert.Equal("upstream_error", JsonDocument.Parse(events[^1]).RootElement.GetProperty("error").GetProperty("code").GetString());

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(("upstream_error", true), (row.Outcome, row.Estimated));
        Assert.InRange(row.OutputTokens, 1, 39);
    }

    [Fact]
    public async Task Max_concurrent_bounds_open_streams_across_two_gateways()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, silos: 2);
        await stack.Cluster.AddGatewayAsync();
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/limits", """{"max_concurrent":2}""");
        // Held by the fake after their first event until the gate opens: both streams stay open meanwhile.
        var held = $$"""{"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],"fake":{"chunks":10,"hold":"two-open"} }""";

        using var first = await stack.Proxy(0).SendAsync(Chat(held), HttpCompletionOption.ResponseHeadersRead);
        using var second = await stack.Proxy(1).SendAsync(Chat(held), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        foreach (var gateway in new[] { 0, 1 })
        {
            using var third = await stack.Proxy(gateway).SendAsync(Chat(held));
            await Http.AssertErrorAsync(third, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
            Assert.NotNull(third.Headers.RetryAfter);
        }

        stack.Gates.Open("two-open");
        await Task.WhenAll(ReadEventsAsync(first), ReadEventsAsync(second));
        await stack.SettledAsync(RequestId(first));
        await stack.SettledAsync(RequestId(second));
        using var after = await stack.Proxy(1).SendAsync(Chat(held), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_stream_that_spans_a_price_change_is_charged_the_price_it_was_authorized_at()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":1000,"output_tokens":1000,"chunks":6,"hold":"price-change"} }
            """), HttpCompletionOption.ResponseHeadersRead);
        await ReadEventsAsync(response, afterFirstEvent: async () =>
        {
            await SetPriceAsync(stack.Cluster.Admin, ProxyStack.Model, 10 * ProxyStack.InputPrice, 10 * ProxyStack.OutputPrice);
            stack.Gates.Open("price-change"); // the stream goes on only once the new price is in effect
        });

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal((ProxyStack.InputPrice, DemoPrice.Cost(1000, 1000)), (row.InputPrice!.Value, row.Cost));
    }
}
