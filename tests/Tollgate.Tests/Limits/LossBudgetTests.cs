using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Tollgate.Gateway.Cluster;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Limits;

/// <summary>
/// Between periodic checkpoints, an admission that would put more than a window's loss budget (5 % of its limit)
/// at stake waits until a checkpoint holding it has committed, so a crash can let a window admit at most that much
/// twice, however fast the key is used; an account's holds have a budget of 5 % of its credit. The periodic checkpoints are made rare here, so only the budget writes them.
/// An account waits before it answers; the other grains answer at once, marked to be acted on only once <c>Checkpointed</c> has completed.
/// </summary>
public sealed class LossBudgetTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Price Free = new(0, 0);
    private static readonly LimitSettings HundredAMinute = new(RequestsPerMinute: 100, TokensPerMinute: null, TokensPerDay: null, MaxConcurrent: null);

    [Fact]
    public async Task An_account_answers_the_admission_beyond_its_loss_budget_only_once_its_row_holds_it()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database);
        var account = cluster.Grains.Account("busy");
        await account.Create(new CreateAccount(0, 1_000_000, "test"));
        await account.SetLimits(new SetLimits(HundredAMinute, "test"));

        for (var i = 1; i <= 5; i++) Assert.True((await account.Authorize(new AuthorizeAccount($"r{i}", null, 1, 1, Free, 600))).Admission.Allowed);
        Assert.Equal(0, await Ledger.CheckpointedRequestsAsync(database, "SELECT windows FROM accounts WHERE account_id = 'busy'"));
        Assert.True((await account.Authorize(new AuthorizeAccount("r6", null, 1, 1, Free, 600))).Admission.Allowed);
        Assert.Equal(6, await Ledger.CheckpointedRequestsAsync(database, "SELECT windows FROM accounts WHERE account_id = 'busy'"));
    }

    [Fact]
    public async Task An_account_answers_the_hold_beyond_its_loss_budget_only_once_its_row_holds_it()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database);
        var account = cluster.Grains.Account("spender");
        await account.Create(new CreateAccount(0, 1_000_000, "test")); // a budget of 50,000 nano-USD held at stake

        for (var i = 1; i <= 5; i++) Assert.True((await account.HoldAsync($"r{i}", 10_000, 600)).Admission.Allowed);
        Assert.Equal(0, await StoredHoldsAsync(database, "spender"));
        Assert.True((await account.HoldAsync("r6", 10_000, 600)).Admission.Allowed);
        Assert.Equal(6, await StoredHoldsAsync(database, "spender"));
    }

    [Fact]
    public async Task Holds_ended_by_committed_settles_and_voids_put_nothing_at_stake_so_the_next_holds_need_no_checkpoint()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database);
        var account = cluster.Grains.Account("settler");
        await account.Create(new CreateAccount(0, 1_000_000, "test")); // a budget of about 50,000 nano-USD held at stake

        for (var i = 1; i <= 20; i++) // 200,000 held in all, one hold at a time
        {
            Assert.True((await account.HoldAsync($"r{i}", 10_000, 600)).Admission.Allowed);
            Assert.Equal(0, await StoredHoldsAsync(database, "settler")); // answered without a checkpoint of its hold
            if (i % 4 == 0) Assert.True((await account.Void(new VoidReservation($"r{i}"))).Released);
            else await account.ChargeAsync($"r{i}", 1_000);
        }
    }

    [Fact]
    public async Task A_caller_ip_marks_the_admission_beyond_its_loss_budget_to_be_acted_on_only_once_its_checkpoint_holds_it()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database);
        var ip = cluster.Grains.CallerIp("10.1.2.3");

        for (var i = 1; i <= 5; i++) Assert.Null((await ip.Authorize(new AuthorizeIp($"r{i}", 0, 600, HundredAMinute))).AwaitsCheckpoint);
        Assert.Equal(0, await Ledger.CheckpointedRequestsAsync(database, "SELECT state FROM limit_windows"));
        var sixth = await ip.Authorize(new AuthorizeIp("r6", 0, 600, HundredAMinute));
        Assert.True(sixth.Allowed);
        await ip.Checkpointed(Assert.IsType<CheckpointMark>(sixth.AwaitsCheckpoint));
        Assert.Equal(6, await Ledger.CheckpointedRequestsAsync(database, "SELECT state FROM limit_windows"));
    }

    [Fact]
    public async Task A_busy_caller_ip_goes_on_answering_while_its_checkpoint_commits_and_the_callers_waiting_share_the_next()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database);
        var ip = cluster.Grains.CallerIp("10.1.2.4");
        for (var i = 1; i <= 6; i++) await ip.Durably(grain => grain.Authorize(new AuthorizeIp($"r{i}", 0, 600, HundredAMinute)), static admission => admission);
        Assert.Equal((1, 6), await StoredAsync(database));

        // The checkpoint row is locked, so the checkpoint the next admission beyond the budget starts cannot commit.
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM limit_windows FOR UPDATE", connection, transaction)) await lockRow.ExecuteScalarAsync();
        var marks = new List<CheckpointMark>();
        for (var i = 7; i <= 36; i++)
        {
            // Without a lock, a grain waiting for its checkpoint before answering would hold this call until the timeout.
            var admission = await ip.Authorize(new AuthorizeIp($"r{i}", 0, 600, HundredAMinute)).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(admission.Allowed);
            if (admission.AwaitsCheckpoint is { } mark) marks.Add(mark);
        }
        Assert.Equal(30 - RateLimiter.LossBudget(100), marks.Count); // every admission past the budget: none was held back meanwhile
        var waiting = marks.Select(mark => ip.Checkpointed(mark)).ToList();
        await transaction.RollbackAsync();
        await Task.WhenAll(waiting);

        // The checkpoint that waited for the lock, then one for all the callers waiting meanwhile.
        Assert.Equal((3, 36), await StoredAsync(database));
    }

    private static async Task<(long Version, long Requests)> StoredAsync(string database) =>
        (await Ledger.ScalarAsync(database, "SELECT version FROM limit_windows"), await Ledger.CheckpointedRequestsAsync(database, "SELECT state FROM limit_windows"));

    private static Task<TestCluster> StartAsync(string database) => TestCluster.StartAsync(database, 1, clock: null, commits: null,
        silo => silo.Services.Configure<LimitOptions>(o => o.CheckpointInterval = TimeSpan.FromHours(1)));

    private static Task<long> StoredHoldsAsync(string database, string accountId) => Ledger.ScalarAsync(database,
        "SELECT coalesce(jsonb_array_length(reservations), 0) FROM accounts WHERE account_id = $1", accountId);
}
