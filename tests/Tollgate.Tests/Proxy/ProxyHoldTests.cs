using System.Collections.Concurrent;
using System.Net;
using Tollgate.Gateway.Metering;
using Tollgate.Gateway.Proxy;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>A proxied request's hold never outlives the request by more than a bounded time, whatever fails.</summary>
public sealed class ProxyHoldTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Price DemoPrice = new(ProxyStack.InputPrice, ProxyStack.OutputPrice);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3); // renewed every second

    [Fact]
    public async Task A_held_stream_keeps_its_hold_and_its_keys_slot_past_its_first_lease()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow); // the grains' clock: holds expire only when the test moves it
        var renewals = new ConcurrentBag<DateTimeOffset>(); // the grains' time at each renewal of an account's hold that landed
        await using var stack = await ProxyStack.StartAsync(postgres, 1, clock, silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            var at = clock.GetUtcNow();
            await context.Invoke();
            if (context.Grain is IAccountGrain && context.Request.GetArgumentCount() == 1 && context.Request.GetArgument(0) is RenewGrant) renewals.Add(at);
        }), $"--Proxy:HoldLease={Lease:c}");
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/limits", """{"max_concurrent":1}""");

        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":12,"chunks":4,"hold":"long-stream"} }
            """), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await ReadEventsAsync(response, afterFirstEvent: async () =>
        {
            var held = await AccountAsync(stack);
            Assert.Equal(1, held.ActiveReservations);

            clock.Advance(Lease - TimeSpan.FromSeconds(1));
            var renewedAfter = clock.GetUtcNow();
            await Eventually.TrueAsync(() => Task.FromResult(renewals.Any(at => at >= renewedAfter)), "the gateway never renewed the hold", seconds: 30);
            clock.Advance(TimeSpan.FromSeconds(2)); // past the hold's first expiry

            var still = await AccountAsync(stack);
            Assert.Equal((1, held.Pending), (still.ActiveReservations, still.Pending));
            using var second = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}"""));
            await Http.AssertErrorAsync(second, HttpStatusCode.TooManyRequests, "rate_limit_exceeded"); // the key's one slot is still taken
            stack.Gates.Open("long-stream");
        });

        Assert.Equal("[DONE]", events[^1]);
        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(("success", DemoPrice.Cost(40, 12)), (row.Outcome, row.Charged));
        Assert.Equal((0, 0L), ((await AccountAsync(stack)).ActiveReservations, (await AccountAsync(stack)).Pending));
    }

    [Fact]
    public async Task A_hold_whose_gateway_stopped_renewing_it_ends_within_a_lease_and_its_request_is_still_charged()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        // As if the gateway had died: no renewal reaches a grain.
        await using var stack = await ProxyStack.StartAsync(postgres, 1, clock, silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            if (context.Request.GetArgumentCount() == 1 && context.Request.GetArgument(0) is RenewGrant) throw new InvalidOperationException("No renewal arrives.");
            await context.Invoke();
        }), $"--Proxy:HoldLease={Lease:c}");
        await AdminAsync(stack.Cluster.Admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/limits", """{"max_concurrent":1}""");

        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":12,"chunks":4,"hold":"orphan"} }
            """), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response, afterFirstEvent: async () =>
        {
            Assert.Equal(1, (await AccountAsync(stack)).ActiveReservations);
            clock.Advance(Lease); // one lease since the authorize, with no renewal

            var account = await AccountAsync(stack);
            Assert.Equal((0, 0L), (account.ActiveReservations, account.Pending));
            using var second = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}"""));
            Assert.Equal(HttpStatusCode.OK, second.StatusCode); // the key's slot ended with the hold
            await stack.SettledAsync(RequestId(second));
            stack.Gates.Open("orphan");
        });

        Assert.Equal("[DONE]", events[^1]);
        var row = await stack.SettledAsync(RequestId(response)); // a late settlement: charged by the same rule
        Assert.Equal(("success", DemoPrice.Cost(40, 12)), (row.Outcome, row.Charged));
    }

    [Fact]
    public async Task A_stream_longer_than_the_gateway_relays_is_ended_with_an_error_event_and_charged()
    {
        await using var stack = await ProxyStack.StartAsync(postgres, 1, null, "--Proxy:MaxStreamDuration=00:00:01");
        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":12,"chunks":4,"hold":"never-opened"} }
            """), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);

        Assert.Contains("\"stream_too_long\"", events[^1], StringComparison.Ordinal); // the last event: an error the SDKs raise
        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(("stream_too_long", true), (row.Outcome, row.Estimated));
        Assert.True(row.InputTokens > 0 && row.Charged == DemoPrice.Cost(row.InputTokens, row.OutputTokens), $"charged {row.Charged} for {row.InputTokens} input tokens");
        Assert.Equal(0, (await AccountAsync(stack)).ActiveReservations);
    }

    private static Task<AccountSnapshot> AccountAsync(ProxyStack stack) => stack.Cluster.Grains.Account(ProxyStack.Account).Get(new GetAccount(0, null));
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
