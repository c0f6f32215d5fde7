using Orleans.Configuration;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Persistence;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Accounts;

public sealed class ActivationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Concurrent_writes_of_many_grains_share_commits()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var committer = cluster.SiloService<GroupCommitter>();
        var before = (committer.CommittedBatches, committer.CommittedWrites);

        await using var hold = await HoldCommitsAsync(database);
        var calls = Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() =>
            cluster.Grains.Account($"g-{i}").Create(new CreateAccount(0, 100, "test")))));
        await ReleaseOnceQueuedAsync(hold, committer);
        await calls;

        var writes = committer.CommittedWrites - before.CommittedWrites;
        var batches = committer.CommittedBatches - before.CommittedBatches;
        Assert.Equal(400, writes);
        Assert.True(batches < writes / 2, $"{writes} writes took {batches} commits");
    }

    [Fact]
    public async Task Concurrent_writes_of_one_hot_grain_are_pipelined_into_shared_commits()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = cluster.Grains.Account("hot");
        await account.Create(new CreateAccount(0, 0, "test"));
        var committer = cluster.SiloService<GroupCommitter>();
        var before = (committer.CommittedBatches, committer.CommittedWrites);

        await using var hold = await HoldCommitsAsync(database);
        var calls = Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() =>
            account.Adjust(new AdjustCredit(10, "load", "test", $"k{i}")))));
        await ReleaseOnceQueuedAsync(hold, committer);
        var results = await calls;

        var writes = committer.CommittedWrites - before.CommittedWrites;
        var batches = committer.CommittedBatches - before.CommittedBatches;
        Assert.Equal(400, writes);
        Assert.True(batches < writes / 2, $"{writes} writes of one grain took {batches} commits");
        // Each caller saw its own committed balance: 400 distinct balances, 10 apart.
        Assert.Equal(Enumerable.Range(1, 400).Select(i => i * 10L), results.Select(r => r.BalanceAfter).Order());
        Assert.Equal(new Ledger.Totals(4_000, 4_000, 400), await Ledger.ReadAsync(database, "hot"));
    }

    [Fact]
    public async Task A_hold_settled_before_its_checkpoint_writes_none_and_an_open_hold_is_checkpointed()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 1);
        var account = cluster.Grains.Account("quick");
        await account.Create(new CreateAccount(0, 1_000_000, "test")); // holds of 100 stay within the loss budget: none waits for a checkpoint
        Assert.True((await account.HoldAsync("settled", 100, 600)).Admission.Allowed);
        await account.ChargeAsync("settled", 50);
        const string version = "SELECT version FROM accounts WHERE account_id = 'quick'";
        var settled = await Ledger.ScalarAsync(database, version);

        // Two checkpoint intervals (1 s): the holds are those stored (none) and no window moved, so nothing is written.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(settled, await Ledger.ScalarAsync(database, version));

        Assert.True((await account.HoldAsync("open", 100, 600)).Admission.Allowed);
        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(database, "SELECT jsonb_array_length(reservations) FROM accounts WHERE account_id = 'quick'") == 1,
            "the open hold was not checkpointed", seconds: 15);
        Assert.Equal(settled + 1, await Ledger.ScalarAsync(database, version)); // one write: the checkpoint
    }

    [Fact]
    public async Task An_idle_activation_is_flushed_and_deactivated_and_its_state_survives()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 1, null, null, QuickCollection(TimeSpan.FromSeconds(1)));
        var account = cluster.Grains.Account("idle");
        await account.Create(new CreateAccount(0, 1_000, "test"));
        Assert.True((await account.HoldAsync("held", 400, 600)).Admission.Allowed);

        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(database, "SELECT jsonb_array_length(reservations) FROM accounts WHERE account_id = 'idle'") > 0,
            "the idle activation was not flushed", seconds: 15);

        // The next call activates it again from the database, hold included.
        var snapshot = await account.Get(new GetAccount(0, null));
        Assert.Equal(400, snapshot.Pending);
        Assert.Equal(300, (await account.ChargeAsync("held", 300)).Charged);
        Assert.Equal(400, await AccountCalls.SettledReservationAsync(database, "idle", "held")); // the settle found the hold and released it
        Assert.Equal(0, (await account.Get(new GetAccount(0, null))).Pending);
    }

    [Fact]
    public async Task Voiding_a_stored_hold_removes_it_from_storage_at_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 1, null, null, QuickCollection(TimeSpan.FromSeconds(1)));
        var account = cluster.Grains.Account("voided");
        await account.Create(new CreateAccount(0, 1_000, "test"));
        Assert.True((await account.HoldAsync("a", 100, 600)).Admission.Allowed);
        Assert.True((await account.HoldAsync("b", 200, 600)).Admission.Allowed);
        const string stored = "SELECT count(*) FROM accounts, jsonb_array_elements(reservations) r WHERE account_id = 'voided' AND r->>'RequestId' = $1";
        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(database, stored, "a") > 0, "the idle activation was not flushed", seconds: 15);

        // Reactivated, the hold is voided: a crash right after must not bring it back.
        Assert.True((await account.Void(new VoidReservation("a"))).Released);
        Assert.Equal(0, await Ledger.ScalarAsync(database, stored, "a"));
        Assert.Equal(1, await Ledger.ScalarAsync(database, stored, "b"));
    }

    [Fact]
    public async Task A_grain_whose_day_window_holds_counts_outlives_idle_collection()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 1, null, null, QuickCollection(TimeSpan.FromSeconds(1)));
        var model = cluster.Grains.Model("daily");
        var control = cluster.Grains.Model("control"); // the same limit, nothing counted in it: collected when idle
        var price = new Grains.Metering.Price(1, 1);
        var daily = new Grains.Limits.SetLimits(new Grains.Limits.LimitSettings(null, null, TokensPerDay: 1_000, null), "test");
        await model.SetLimits(daily);
        await control.SetLimits(daily);
        Assert.True((await model.Authorize(new Grains.Metering.AuthorizeModel("a", 900, 60, price))).Admission.Allowed);

        await Eventually.TrueAsync(async () => !(await ActivationIdsAsync(cluster)).Contains("model/control"), "the idle control grain was never collected", seconds: 30);
        Assert.Contains("model/daily", await ActivationIdsAsync(cluster));
        // Collected, the activation would come back with an empty window and allow this.
        var second = await model.Authorize(new Grains.Metering.AuthorizeModel("b", 200, 60, price));
        Assert.Equal("model.tokens_per_day", second.Admission.Denial?.Limit);
    }

    private static async Task<HashSet<string>> ActivationIdsAsync(TestCluster cluster) =>
        (await cluster.ActivationsAsync()).Select(a => a.GrainId.ToString()).ToHashSet();

    // Commits wait while the ledger is locked against inserts (every write here adds a ledger row), so the
    // writes meanwhile pile up as under load, whatever this machine's commit latency.
    private static Task<HeldLock> HoldCommitsAsync(string database) => HeldLock.TakeAsync(database, "LOCK TABLE ledger IN SHARE MODE");

    /// <summary>Orleans collects activations idle for <paramref name="age"/>, looking every quarter of it.</summary>
    internal static Action<ISiloBuilder> QuickCollection(TimeSpan age) => silo => silo.Configure<GrainCollectionOptions>(collection =>
    {
        collection.CollectionAge = age;
        collection.CollectionQuantum = age / 4;
    });

    private static async Task ReleaseOnceQueuedAsync(HeldLock hold, GroupCommitter committer)
    {
        await Eventually.TrueAsync(() => Task.FromResult(committer.QueuedWrites >= 300), "the writes did not reach the committer", seconds: 30);
        await hold.ReleaseAsync();
    }
}
