using System.Net;
using System.Text.Json;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>A settlement the cluster cannot take is journaled and applied exactly once when it is back: a charge is never lost.</summary>
public sealed class SettlementJournalTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly Price DemoPrice = new(ProxyStack.InputPrice, ProxyStack.OutputPrice);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);
    private const int Streams = 6;

    [Fact]
    public async Task Streams_that_end_while_every_silo_is_stopped_are_charged_exactly_once_when_the_cluster_is_back_by_a_restarted_gateway()
    {
        var journal = Directory.CreateTempSubdirectory("tollgate-journal-");
        await using var fake = await FakeProvider.StartAsync();
        await using var cluster = await ProcessCluster.StartAsync(await postgres.CreateDatabaseAsync(), silos: 1, gateways: 1, siloSettings: [],
            gatewaySettings: [.. fake.GatewaySettings, "--Proxy:Journal:ReplayInterval=00:00:01", $"--Proxy:Journal:Directory={journal.FullName}"]);
        await CreateAccountAsync(cluster.Admin, ProxyStack.Account, ProxyStack.Credit);
        var (_, key) = await CreateKeyAsync(cluster.Admin, ProxyStack.Account);
        await ProxyStack.AddModelAsync(cluster.Admin, ProxyStack.Model);
        var proxy = cluster.ClientOf(0, key);

        // Streams under way: each has sent its first event and waits at the fake's gate.
        var firstEvents = Enumerable.Range(0, Streams).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var responses = await Task.WhenAll(Enumerable.Range(0, Streams).Select(i => proxy.SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "fake":{"input_tokens":{{40 + i}},"output_tokens":{{10 + i}},"chunks":3,"hold":"outage"} }
            """), HttpCompletionOption.ResponseHeadersRead)));
        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        var reading = responses.Select((response, i) => ReadEventsAsync(response, () =>
        {
            firstEvents[i].SetResult();
            return Task.CompletedTask;
        })).ToArray();
        await Task.WhenAll(firstEvents.Select(first => first.Task)).WaitAsync(TimeSpan.FromSeconds(30));

        // Every silo stops; the streams end meanwhile, and their settles find no cluster.
        await cluster.Silos[0].StopAsync();
        var stopped = DateTime.UtcNow;
        fake.Gates.Open("outage");
        var events = await Task.WhenAll(reading).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(events, streamed => Assert.Equal("[DONE]", streamed[^1]));
        var requestIds = responses.Select(RequestId).ToArray();

        // Journaled. (The depth gauge is not checked here: the in-process gateways of other tests report on the same meter.)
        await Eventually.TrueAsync(async () => await JournaledAsync(cluster.Database) == Streams, "the settlements were not journaled", seconds: 60);
        foreach (var id in requestIds) Assert.Null(await ProxyStack.UsageAsync(cluster.Database, id));

        // The gateway that journaled them stops before the cluster is back: another applies them.
        await cluster.StopGatewayAsync(0);
        var left = Outage - (DateTime.UtcNow - stopped);
        if (left > TimeSpan.Zero) await Task.Delay(left);
        await cluster.RestartSiloAsync(0);
        var next = await cluster.AddGatewayAsync();
        var replaying = DateTime.UtcNow;

        await Eventually.TrueAsync(async () => await JournaledAsync(cluster.Database) == 0, "the journal was not applied", seconds: 90);
        output.WriteLine($"{Streams} settlements journaled during a {Outage.TotalSeconds:0} s outage, applied {(DateTime.UtcNow - replaying).TotalSeconds:0.0} s after the next gateway started");
        long charged = 0;
        for (var i = 0; i < Streams; i++)
        {
            var row = await ProxyStack.UsageAsync(cluster.Database, requestIds[i]); // asserts a single row
            Assert.NotNull(row);
            Assert.Equal(("success", 40 + i, 10L + i, DemoPrice.Cost(40 + i, 10 + i)), (row.Outcome, row.InputTokens, row.OutputTokens, row.Charged));
            charged += row.Charged;
        }
        var ledger = await Ledger.ReadAsync(cluster.Database, ProxyStack.Account);
        Assert.Equal((ProxyStack.Credit - charged, ProxyStack.Credit - charged), (ledger.Balance, ledger.LedgerSum));
        var account = await GetJsonAsync(cluster.ClientOf(next, TestGateways.AdminToken), $"/admin/accounts/{ProxyStack.Account}");
        Assert.Equal((0L, 0), (account.GetProperty("pending").GetInt64(), account.GetProperty("active_reservations").GetInt32()));
    }

    [Fact]
    public async Task A_settlement_PostgreSQL_cannot_take_either_waits_in_the_local_file_and_is_charged_once_after_a_gateway_restart()
    {
        var journal = Directory.CreateTempSubdirectory("tollgate-journal-");
        var refusing = true;
        await using var stack = await ProxyStack.StartAsync(postgres, 1, null, silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            // The cluster cannot take settles; the answer is lost as when the response times out.
            if (Volatile.Read(ref refusing) && context.Request.GetArgumentCount() == 1 && context.Request.GetArgument(0) is SettleRequest) throw new TimeoutException("No answer.");
            await context.Invoke();
        }), "--Proxy:Journal:ReplayInterval=00:00:01", $"--Proxy:Journal:Directory={journal.FullName}");
        await Ledger.ScalarAsync(stack.Cluster.Database, "ALTER TABLE settlement_journal RENAME TO settlement_journal_away"); // PostgreSQL cannot take it either

        using var response = await stack.Proxy().SendAsync(Chat($$"""
            {"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}],"fake":{"input_tokens":40,"output_tokens":12} }
            """));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Path.Combine(journal.FullName, "settlements.jsonl");
        await Eventually.TrueAsync(() => Task.FromResult(LinesIn(file) == 1), "the settlement was not journaled in the file", seconds: 30);

        // The gateway stops with the entry in its file; the next one, on the same directory, applies it once all is back.
        await stack.Cluster.StopGatewayAsync(0);
        Assert.Equal(1, LinesIn(file));
        await Ledger.ScalarAsync(stack.Cluster.Database, "ALTER TABLE settlement_journal_away RENAME TO settlement_journal");
        Volatile.Write(ref refusing, false);
        await stack.Cluster.AddGatewayAsync("--Proxy:Journal:ReplayInterval=00:00:01", $"--Proxy:Journal:Directory={journal.FullName}");

        var row = await stack.SettledAsync(RequestId(response));
        Assert.Equal(("success", DemoPrice.Cost(40, 12)), (row.Outcome, row.Charged));
        await Eventually.TrueAsync(async () => await JournaledAsync(stack.Cluster.Database) == 0 && LinesIn(file) == 0, "the journal was not emptied", seconds: 30);
        var ledger = await Ledger.ReadAsync(stack.Cluster.Database, ProxyStack.Account);
        Assert.Equal((ProxyStack.Credit - row.Charged, ProxyStack.Credit - row.Charged), (ledger.Balance, ledger.LedgerSum));
    }

    /// <summary>The lines in the journal file, or -1 while a gateway holds it (each open takes it exclusively).</summary>
    private static int LinesIn(string file)
    {
        try
        {
            return File.Exists(file) ? File.ReadAllLines(file).Length : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static Task<long> JournaledAsync(string database) => Ledger.ScalarAsync(database, "SELECT count(*) FROM settlement_journal");

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path) =>
        JsonDocument.Parse(await client.GetStringAsync(path)).RootElement;
}
