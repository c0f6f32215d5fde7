using System.Net;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>A gateway killed mid-stream leaves its request's hold and slots for at most one lease (the rule in docs/proxy.md).</summary>
public sealed class GatewayCrashTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task A_gateway_killed_mid_stream_leaves_its_hold_and_key_slot_for_at_most_one_lease_and_no_charge()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var fake = await FakeProvider.StartAsync();
        await using var cluster = await ProcessCluster.StartAsync(database, silos: 1, gateways: 1, siloSettings: [], gatewaySettings: fake.GatewaySettings);
        await CreateAccountAsync(cluster.Admin, ProxyStack.Account, ProxyStack.Credit);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, ProxyStack.Account);
        await ProxyStack.AddModelAsync(cluster.Admin, ProxyStack.Model);
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/keys/{keyId}/limits", """{"max_concurrent":1}""");
        await using var doomed = await GatewayProcess.StartAsync(database, [.. fake.GatewaySettings, $"--Proxy:HoldLease={Lease:c}"]);
        using var client = new HttpClient { BaseAddress = doomed.Address };
        client.DefaultRequestHeaders.Authorization = Bearer(key);

        using var stream = await client.SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":40,"output_tokens":12,"chunks":3,"hold":"crash"} }
            """), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line && !line.StartsWith("data: ", StringComparison.Ordinal))
        {
            // up to the first event: the request is under way, its hold and the key's one slot taken
        }
        Assert.Equal((true, 1), await HeldAsync(cluster.Admin));
        var other = cluster.ClientOf(0, key);
        await Http.AssertErrorAsync(await other.SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}""")),
            HttpStatusCode.TooManyRequests, "rate_limit_exceeded");

        doomed.Kill();
        var killed = DateTime.UtcNow;
        await Eventually.TrueAsync(async () => await HeldAsync(cluster.Admin) == (false, 0), "the dead gateway's hold was never released", seconds: 60);
        var released = DateTime.UtcNow - killed;
        output.WriteLine($"hold released {released.TotalSeconds:0.0} s after the gateway was killed (lease {Lease.TotalSeconds:0} s)");
        Assert.True(released < Lease + TimeSpan.FromSeconds(15), $"released after {released.TotalSeconds:0.0} s"); // a lease and slack for a busy machine, not an hour

        using var after = await other.SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}"""));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode); // the key's slot is free again
        var charged = (await SettledAsync(database, RequestId(after))).Charged;
        Assert.Null(await ProxyStack.UsageAsync(database, RequestId(stream))); // the rule: a request whose gateway died is not charged
        var ledger = await Ledger.ReadAsync(database, ProxyStack.Account);
        Assert.Equal((ProxyStack.Credit - charged, ProxyStack.Credit - charged), (ledger.Balance, ledger.LedgerSum));
    }

    /// <summary>Whether the account holds credit, and how many holds.</summary>
    private static async Task<(bool Pending, int Holds)> HeldAsync(HttpClient admin)
    {
        var account = JsonDocument.Parse(await admin.GetStringAsync($"/admin/accounts/{ProxyStack.Account}")).RootElement;
        return (account.GetProperty("pending").GetInt64() > 0, account.GetProperty("active_reservations").GetInt32());
    }

    private static async Task<UsageRow> SettledAsync(string database, string requestId)
    {
        UsageRow? row = null;
        await Eventually.TrueAsync(async () => (row = await ProxyStack.UsageAsync(database, requestId)) is not null, $"request {requestId} never settled", seconds: 15);
        return row!;
    }
}
