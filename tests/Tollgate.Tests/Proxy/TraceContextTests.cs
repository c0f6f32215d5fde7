using System.Diagnostics;
using System.Net;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// A caller's W3C trace context (<c>traceparent</c>) is the caller's business: it reaches a provider only when the
/// operator opts in with <c>Proxy:ForwardTraceContext</c>.
/// </summary>
public sealed class TraceContextTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task No_trace_context_reaches_the_provider_by_default()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await SendTracedAsync(stack);
        Assert.Null(stack.Received.Snapshot().Single().TraceParent);
    }

    [Fact]
    public async Task No_trace_context_reaches_the_provider_by_default_while_the_process_traces_its_http_calls()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        // OpenTelemetry's HttpClient instrumentation (on when the gateway exports traces) injects with its own propagator.
        using (Sdk.CreateTracerProviderBuilder().AddHttpClientInstrumentation().Build())
        {
            await SendTracedAsync(stack);
        }
        Assert.Null(stack.Received.Snapshot().Single().TraceParent);
    }

    [Fact]
    public async Task A_callers_trace_id_reaches_the_provider_when_the_operator_opts_in()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, 1, null, "--Proxy:ForwardTraceContext=true");
        var traceId = await SendTracedAsync(stack);
        Assert.Contains(traceId, stack.Received.Snapshot().Single().TraceParent ?? "", StringComparison.OrdinalIgnoreCase);
    }

    /// <returns>The trace id the caller sent.</returns>
    private static async Task<string> SendTracedAsync(ProxyStack stack)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}""");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await stack.Proxy().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return traceId;
    }
}
