using System.Net;
using Orleans.Runtime;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>When the cluster cannot answer, a gateway follows its outage policy: deny, or allow within a bounded local allowance and charge later.</summary>
public sealed class OutagePolicyTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Price DemoPrice = new(ProxyStack.InputPrice, ProxyStack.OutputPrice);
    private static readonly string Chat2 = $$"""{"model":"{{ProxyStack.Model}}","max_tokens":10,"messages":[{"role":"user","content":"Hi"}],"fake":{"input_tokens":40,"output_tokens":10} }""";

    [Fact]
    public async Task While_the_cluster_cannot_answer_the_default_gateway_denies_and_an_allowing_one_admits_its_allowance_then_charges_each_once()
    {
        var down = false;
        await using var stack = await ProxyStack.StartAsync(postgres, 1, null, silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            if (Volatile.Read(ref down)) throw new SiloUnavailableException("The cluster does not answer."); // every grain, as in an outage
            await context.Invoke();
        }), "--Proxy:Journal:ReplayInterval=00:00:01");
        // The second gateway allows two requests per key while the cluster cannot answer.
        await stack.Cluster.AddGatewayAsync("--Proxy:Journal:ReplayInterval=00:00:01", "--Proxy:Outage:Limits=Allow", "--Proxy:Outage:Credit=Allow",
            "--Proxy:Outage:RequestsPerKey=2");
        var denying = stack.Proxy(0);
        var allowing = stack.Proxy(1);
        // Both gateways have seen the cluster verify the key and price the model.
        foreach (var gateway in (HttpClient[])[denying, allowing])
        {
            using var before = await gateway.SendAsync(Chat(Chat2));
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            await stack.SettledAsync(RequestId(before));
        }
        var forwarded = stack.Received.Snapshot().Count;

        Volatile.Write(ref down, true);
        using var denied = await denying.SendAsync(Chat(Chat2));
        await Http.AssertErrorAsync(denied, HttpStatusCode.ServiceUnavailable, "cluster_unavailable");
        Assert.Equal(forwarded, stack.Received.Snapshot().Count); // nothing went upstream

        var admitted = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await allowing.SendAsync(Chat(Chat2));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("cluster_unavailable", Header(response, "x-tollgate-degraded"));
            admitted.Add(RequestId(response));
        }
        using var beyond = await allowing.SendAsync(Chat(Chat2));
        await Http.AssertErrorAsync(beyond, HttpStatusCode.ServiceUnavailable, "cluster_unavailable"); // the allowance is used up
        Assert.Equal(forwarded + 2, stack.Received.Snapshot().Count);
        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM settlement_journal") == 2,
            "the admitted requests were not journaled", seconds: 30);

        Volatile.Write(ref down, false);
        foreach (var id in admitted)
        {
            var row = await stack.SettledAsync(id);
            Assert.Equal(("success", 40L, 10L, DemoPrice.Cost(40, 10)), (row.Outcome, row.InputTokens, row.OutputTokens, row.Charged));
        }
        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM settlement_journal") == 0,
            "the journal was not emptied", seconds: 30);
        var ledger = await Ledger.ReadAsync(stack.Cluster.Database, ProxyStack.Account);
        var charged = await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT sum(charged) FROM usage_events WHERE outcome = 'success'");
        Assert.Equal((ProxyStack.Credit - charged, ProxyStack.Credit - charged), (ledger.Balance, ledger.LedgerSum));
        Assert.Equal(4 * DemoPrice.Cost(40, 10), charged); // two before the outage, two admitted during it: each once

        // The cluster answers again: the allowance is whole once it authorizes the key.
        using var after = await allowing.SendAsync(Chat(Chat2));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Null(Header(after, "x-tollgate-degraded"));
    }
}
