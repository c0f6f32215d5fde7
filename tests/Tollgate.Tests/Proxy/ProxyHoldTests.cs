using System.Net;
using Tollgate.Gateway.Metering;
using Tollgate.Grains.Accounts;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>A proxied request's hold never outlives the request by more than a bounded time, whatever fails.</summary>
public sealed class ProxyHoldTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_request_whose_void_fails_is_still_answered_provider_not_configured_and_gives_its_key_slot_back()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, 1, null, silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            // The account's void fails: a bug, or the account gone meanwhile; not a failure a retry cures.
            if (context.Request.GetArgumentCount() == 1 && context.Request.GetArgument(0) is VoidReservation) throw new InvalidOperationException("The void failed.");
            await context.Invoke();
        }));
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/limits", """{"max_concurrent":1}""");
        // A fleet mid-rollout: a newer gateway knows a provider the first does not, and a model is routed to it.
        await stack.Cluster.AddGatewayAsync("--Proxy:Providers:newer:BaseUrl=http://127.0.0.1:9/v1");
        await SetPriceAsync(stack.Cluster.Admin, "elsewhere", ProxyStack.InputPrice, ProxyStack.OutputPrice);
        await AdminAsync(stack.Cluster.ClientOf(1, TestCluster.AdminToken), HttpMethod.Put, "/admin/models/elsewhere/route", """{"provider":"newer"}""");
        using var voidFailures = new MeasurementCounter(GatewayMetrics.VoidFailuresName);

        using var unforwarded = await stack.Proxy().SendAsync(Chat("""{"model":"elsewhere","messages":[{"role":"user","content":"Hi"}]}"""));
        await Http.AssertErrorAsync(unforwarded, HttpStatusCode.ServiceUnavailable, "provider_not_configured");
        Assert.Equal(1, voidFailures.Count(("at", "proxy")));

        // The key's only slot was given back although the account's void failed.
        using var next = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}"""));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
