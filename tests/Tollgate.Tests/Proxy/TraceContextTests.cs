using System.Diagnostics;
using System.Net;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>A caller's trace id reaches a provider only when the operator opts in.</summary>
public sealed class TraceContextTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public async Task A_callers_traceparent_is_not_forwarded_to_the_provider_unless_the_gateway_opts_in()
    {
        // Traced, as with an OTLP exporter configured: the gateway's request activity continues the caller's trace.
        using var tracing = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(tracing);
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.Cluster.AddGatewayAsync("--Proxy:ForwardTraceContext=true");

        foreach (var (gateway, forwarded) in new[] { (0, false), (1, true) })
        {
            stack.Received.Clear();
            using var request = Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}""");
            request.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
            using var response = await stack.Proxy(gateway).SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var sent = stack.Received.Snapshot().Single().TraceParent;
            if (forwarded) Assert.Contains(TraceId, sent);
            else Assert.True(sent is null || !sent.Contains(TraceId, StringComparison.Ordinal), $"the caller's trace id reached the provider: {sent}");
        }
    }
}
