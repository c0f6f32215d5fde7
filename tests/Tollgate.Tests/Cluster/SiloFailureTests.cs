using System.Diagnostics;
using Orleans.Runtime;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Cluster;

/// <summary>
/// Silos as separate OS processes with PostgreSQL membership and the failure detection Tollgate ships,
/// killed, paused and restarted for real under authorize/settle load through two gateways.
/// </summary>
[Collection(Serial.Name)]
public sealed class SiloFailureTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Accounts = 20;
    private const string Limited = "limited";
    private const string Slots = "slots"; // two requests in flight at most
    private const int LimitedPerMinute = 100; // reached within seconds by the load, so what a fault adds to it shows
    // Closed-loop callers: enough to keep settlements in flight at every fault, few enough to leave the silos CPU
    // to restart in (at 12 the two cores were saturated and a restarted silo took 9-11 s to serve, against 3 s).
    private const int Callers = 4;

    [Theory]
    [InlineData("Default")]
    [InlineData("Distributed")]
    public async Task Killing_one_of_three_silos_under_load_loses_no_acknowledged_settlement_and_its_accounts_answer_again_within_seconds(string directory)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await ProcessCluster.StartAsync(database, silos: 3, gateways: 2, $"--Silo:GrainDirectory={directory}");
        await SeedAsync(cluster);
        var load = new PairLoad(cluster.Metering, Accounts, Limited);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(Callers, stop.Token);
        await load.RunsOnAsync(100, "the load did not start");
        await load.LimitReachedAsync(LimitedPerMinute); // so what a fault lets through over it shows

        // The silo hosting the account at its limit, the moment it got there: what its last checkpoint missed is at stake.
        var victim = await HostOfAsync(cluster, Limited);
        var victims = await AccountsOnAsync(cluster, victim);
        var retriesBefore = cluster.Retries;
        var killed = Stopwatch.StartNew();
        victim.Kill();
        // Every one of its accounts answers again, asked as a gateway asks (with its retries); the time is the last one's.
        await Task.WhenAll(victims.Select(account => cluster.Grains.Account(account).Get(new GetAccount(0, null))));
        var recovery = killed.Elapsed;
        await load.RunsOnAsync(100, "the load did not go on after the crash");
        await stop.CancelAsync();
        await running;
        var failedBeforeRetry = load.Failed;
        var unanswered = load.Unanswered;
        await load.RetryUnansweredAsync();
        var most = await PairLoad.MostAdmittedInAMinuteAsync(database, Limited);

        output.WriteLine($"[{directory} directory] SIGKILL of 1 of 3 silos: its {victims.Count} accounts answered again after {recovery.TotalSeconds:F1} s; {load.Acknowledged.Count} settlements acknowledged; " +
            $"{failedBeforeRetry} HTTP calls failed, {unanswered} settles retried by the caller; {cluster.Retries - retriesBefore} grain calls retried by the gateways; " +
            $"longest call {load.MaxLatency.TotalSeconds:F1} s; the limited account ({LimitedPerMinute}/min, killed as it reached it) admitted at most {most} in a minute: {Math.Max(0, most - LimitedPerMinute)} over its limit");
        Assert.True(load.Acknowledged.Count > 100, "the load ran");
        Assert.True(recovery < TimeSpan.FromSeconds(10), $"the killed silo's accounts answered again only after {recovery.TotalSeconds:F1} s");
        Assert.InRange(most, LimitedPerMinute, LimitedPerMinute + RateLimiter.LossBudget(LimitedPerMinute)); // what a crash may admit twice
        await load.AssertMoneyExactAsync(database);
    }

    /// <param name="servedWhilePaused">
    /// Whether the directory serves the paused silo's accounts elsewhere while it stays paused. The default one does.
    /// The distributed one (experimental in Orleans 10) sometimes keeps the paused silo's range until the silo resumes
    /// and stops (one run in three here): for it the test asserts only that they are served once the silo has stopped.
    /// </param>
    [Theory]
    [InlineData("Default", true)]
    [InlineData("Distributed", false)]
    public async Task A_silo_paused_past_its_death_applies_nothing_after_it_resumes_and_money_stays_exact(string directory, bool servedWhilePaused)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await ProcessCluster.StartAsync(database, silos: 3, gateways: 2, $"--Silo:GrainDirectory={directory}");
        await SeedAsync(cluster);
        var load = new PairLoad(cluster.Metering, Accounts, Limited);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(Callers, stop.Token);
        await load.RunsOnAsync(100, "the load did not start");
        await load.LimitReachedAsync(LimitedPerMinute); // so what a fault lets through over it shows

        // Pause the silo that hosts the rate-limited account, so its windows are at stake too.
        var paused = await HostOfAsync(cluster, Limited);
        var acknowledgedBefore = load.Acknowledged.Count;
        var stalled = Stopwatch.StartNew();
        paused.Pause();
        try
        {
            await Eventually.TrueAsync(async () => await StatusAsync(database, paused) == SiloStatus.Dead, "the paused silo was not declared dead", seconds: 60);
            var declaredDead = stalled.Elapsed;
            // The others serve its accounts, writes included (see servedWhilePaused).
            var served = await Eventually.WithinAsync(async () => await AnswersAsync(cluster, Limited), seconds: servedWhilePaused ? 45 : 15);
            output.WriteLine($"[{directory} directory] paused silo declared dead after {declaredDead.TotalSeconds:F1} s; its accounts " +
                (served ? $"answered again after {stalled.Elapsed.TotalSeconds:F1} s" : "were not served elsewhere while it stayed paused"));
            Assert.True(served || !servedWhilePaused, "the paused silo's accounts were not served elsewhere");
        }
        finally
        {
            paused.Resume();
        }
        // Told it is dead, the resumed silo stops; what it ran from its queue meanwhile must not count.
        await Eventually.TrueAsync(() => Task.FromResult(paused.HasExited), "the resumed silo did not stop", seconds: 60);
        await Eventually.TrueAsync(async () => await AnswersAsync(cluster, Limited), "the paused silo's accounts were not served after it stopped", seconds: 60);
        var ackAtTakeover = load.Acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(load.Acknowledged.Count > ackAtTakeover + 50), "the load did not go on", seconds: 60);
        await stop.CancelAsync();
        await running;
        await load.RetryUnansweredAsync();

        var refused = paused.Log.Split('\n').Count(line => line.Contains("was refused by its version", StringComparison.Ordinal));
        var most = await PairLoad.MostAdmittedInAMinuteAsync(database, Limited);
        output.WriteLine($"[{directory} directory] {load.Acknowledged.Count} settlements acknowledged ({acknowledgedBefore} before the pause), {load.Failed} HTTP calls failed; " +
            $"the resumed silo tried {refused} account writes that its stale activations computed, all refused by the version fence; " +
            $"the limited account ({LimitedPerMinute}/min) admitted at most {most} in a minute: {Math.Max(0, most - LimitedPerMinute)} over its limit");
        Assert.True(load.Acknowledged.Count > 100, "the load ran");
        Assert.InRange(most, LimitedPerMinute, LimitedPerMinute + RateLimiter.LossBudget(LimitedPerMinute)); // the takeover started from its checkpoint
        await load.AssertMoneyExactAsync(database);
    }

    [Fact]
    public async Task A_rolling_restart_of_every_silo_with_sigterm_under_load_fails_no_call()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await ProcessCluster.StartAsync(database, silos: 3, gateways: 2);
        await SeedAsync(cluster);
        var load = new PairLoad(cluster.Metering, Accounts, Limited);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(Callers, stop.Token);
        await load.RunsOnAsync(100, "the load did not start");
        await load.LimitReachedAsync(LimitedPerMinute); // so what a fault lets through over it shows
        // Orleans' default directory can briefly let a second activation of a grain exist while membership changes
        // (seen here: another account's stale activation refused by its row's version). A second activation starts from
        // the last checkpoint, at most a loss budget behind (the crash tests bound that); so the restarts start once the
        // full window is checkpointed, and what the limited account admits over its limit is the graceful handover's alone.
        await Eventually.TrueAsync(async () => await Ledger.CheckpointedRequestsAsync(database, $"SELECT windows FROM accounts WHERE account_id = '{Limited}'") == LimitedPerMinute,
            "the limited account's window was not checkpointed", seconds: 30);
        var slots = cluster.Grains.Account(Slots);
        foreach (var request in (string[])["s1", "s2"]) Assert.True((await slots.Authorize(SlotRequest(request))).Admission.Allowed);
        var held = await slots.Get(new GetAccount(0, null));

        var retriesBefore = cluster.Retries;
        var steps = new List<string>();
        for (var i = 0; i < cluster.Silos.Count; i++)
        {
            var step = Stopwatch.StartNew();
            await cluster.Silos[i].StopAsync();
            Assert.Equal(0, cluster.Silos[i].ExitCode);
            var stopped = step.Elapsed;
            await cluster.RestartSiloAsync(i);
            steps.Add($"silo {i} stopped in {stopped.TotalSeconds:F1} s, serving again {(step.Elapsed - stopped).TotalSeconds:F1} s later");
        }
        await load.RunsOnAsync(100, "the load did not go on after the restarts");
        await stop.CancelAsync();
        await running;
        var most = await PairLoad.MostAdmittedInAMinuteAsync(database, Limited);

        output.WriteLine(string.Join("; ", steps));
        output.WriteLine($"rolling restart (SIGTERM) of 3 silos: {load.Acknowledged.Count} settlements acknowledged, {load.Failed} HTTP calls failed, " +
            $"{cluster.Retries - retriesBefore} grain calls retried by the gateways, longest call {load.MaxLatency.TotalSeconds:F1} s; " +
            $"the limited account ({LimitedPerMinute}/min) admitted at most {most} in a minute");
        Assert.Equal(0, load.Failed);
        Assert.True(load.Acknowledged.Count > 100, "the load ran");
        Assert.Equal(LimitedPerMinute, most); // its window moved with it, every time
        // Its two slots and holds moved too: a third request finds none free until one is given back.
        Assert.Equal((held.ActiveReservations, held.Pending), await HoldsAsync(slots));
        Assert.Equal("account.max_concurrent", (await slots.Authorize(SlotRequest("s3"))).Admission.Denial?.Limit);
        Assert.True((await slots.Void(new VoidReservation("s1"))).Released);
        Assert.True((await slots.Authorize(SlotRequest("s3"))).Admission.Allowed);
        await load.AssertMoneyExactAsync(database);
    }

    [Fact]
    public async Task A_silo_restarted_at_the_same_address_after_a_crash_serves_its_accounts_again()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await ProcessCluster.StartAsync(database, silos: 1, gateways: 1);
        await cluster.Grains.Account("phoenix").Create(new CreateAccount(0, 500, "test"));
        cluster.Silos[0].Kill();
        await cluster.RestartSiloAsync(0);

        var restarted = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await cluster.Grains.Account("phoenix").Adjust(new AdjustCredit(100, "after restart", "test", "k"))).BalanceAfter == 600;
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                return false;
            }
        }, "the restarted silo did not serve the account", seconds: 60);
        output.WriteLine($"a crashed silo restarted at its address served again {restarted.Elapsed.TotalSeconds:F1} s after it was up");
        // Its old generation is declared dead (superseded), not left to be probed.
        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(database, "SELECT count(*) FROM orleans_membership WHERE status = 6") == 1,
            "the crashed generation was not declared dead", seconds: 60);
        Assert.Equal(new Ledger.Totals(600, 600, 2), await Ledger.ReadAsync(database, "phoenix"));
    }

    private static AuthorizeAccount SlotRequest(string id) => new(id, null, 100, 100, new Price(1_000_000, 1_000_000), 600);

    private static async Task<(int Holds, long Pending)> HoldsAsync(IAccountGrain account)
    {
        var snapshot = await account.Get(new GetAccount(0, null));
        return (snapshot.ActiveReservations, snapshot.Pending);
    }

    private static async Task SeedAsync(ProcessCluster cluster)
    {
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 2_000_000);
        for (var a = 0; a < Accounts; a++) await CreateAccountAsync(cluster.Admin, PairLoad.AccountId(a), 1_000_000_000);
        await CreateAccountAsync(cluster.Admin, Limited, 1_000_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/accounts/{Limited}/limits", $$"""{"requests_per_minute":{{LimitedPerMinute}}}""");
        // A budget that never refuses on every loaded account: its settled spend must survive every fault as the balance does.
        foreach (var account in Enumerable.Range(0, Accounts).Select(PairLoad.AccountId).Append(Limited))
            await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/accounts/{account}/budgets/{PairLoad.Budget}", """{"period":"366d","cap_nano_usd":1000000000000}""");
        await CreateAccountAsync(cluster.Admin, Slots, 1_000_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/accounts/{Slots}/limits", """{"max_concurrent":2}""");
        // Activate every account now, so the silos that host them are known before any fault.
        foreach (var account in Enumerable.Range(0, Accounts).Select(PairLoad.AccountId).Append(Limited))
            await cluster.Grains.Account(account).Get(new GetAccount(0, null));
    }

    /// <summary>The accounts whose activations live on <paramref name="silo"/>.</summary>
    private static async Task<List<string>> AccountsOnAsync(ProcessCluster cluster, SiloProcess silo) =>
        (await cluster.Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(a => a.SiloAddress.Endpoint.Port == silo.Ports.Silo && a.GrainId.Type.ToString() == "account")
            .Select(a => a.GrainId.Key.ToString()!).ToList();

    private static async Task<SiloProcess> HostOfAsync(ProcessCluster cluster, string account)
    {
        var statistics = await cluster.Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var port = statistics.Single(a => a.GrainId.ToString() == $"account/{account}").SiloAddress.Endpoint.Port;
        return cluster.Silos.Single(s => s.Ports.Silo == port);
    }

    private static async Task<bool> AnswersAsync(ProcessCluster cluster, string account)
    {
        try
        {
            await cluster.Grains.Account(account).Get(new GetAccount(0, null));
            return true;
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            return false;
        }
    }

    /// <summary>The silo's status in the membership table (its latest generation).</summary>
    private static async Task<SiloStatus> StatusAsync(string database, SiloProcess silo) =>
        (SiloStatus)await Ledger.ScalarAsync(database,
            "SELECT status FROM orleans_membership WHERE port = $1 ORDER BY generation DESC LIMIT 1", silo.Ports.Silo);
}
