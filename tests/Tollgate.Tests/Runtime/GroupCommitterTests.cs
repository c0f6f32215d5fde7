using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Runtime;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Runtime;

public sealed record Counter(int Value);

[JsonSerializable(typeof(Counter))]
internal sealed partial class TestStateJson : JsonSerializerContext;

/// <summary>The committer on its own: versioned grain state, write chains and lease fencing.</summary>
[Collection("postgres")]
public sealed class GroupCommitterTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly SiloIdentity Silo = new("http://127.0.0.1:9", 1);
    private const long Epoch = 7;
    private NpgsqlDataSource _database = null!;
    private GroupCommitter _committer = null!;

    public async Task InitializeAsync()
    {
        _database = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await new Migrator(_database, NullLogger<Migrator>.Instance)
            .ApplyAsync([new MigrationSource("runtime", typeof(SiloOptions).Assembly)], CancellationToken.None);
        await using var lease = _database.CreateCommand("""
            INSERT INTO partition_leases (partition_id, owner_address, owner_generation, epoch, expires_at)
            VALUES (0, $1, $2, $3, now() + interval '1 hour')
            """);
        lease.Parameters.Add(new NpgsqlParameter { Value = Silo.Address });
        lease.Parameters.Add(new NpgsqlParameter { Value = Silo.Generation });
        lease.Parameters.Add(new NpgsqlParameter { Value = Epoch });
        await lease.ExecuteNonQueryAsync();
        _committer = new GroupCommitter(_database, Silo, new GroupCommitOptions(), NullLogger<GroupCommitter>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _committer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Versioned_state_round_trips_and_a_stale_version_is_refused()
    {
        var grain = new GrainId("counter", "a");
        var chain = NewChain();
        await _committer.Submit(GrainStateStore.Write(grain, new Counter(1), 0, TestStateJson.Default.Counter), 0, Epoch, chain);
        await _committer.Submit(GrainStateStore.Write(grain, new Counter(2), 1, TestStateJson.Default.Counter), 0, Epoch, chain);
        Assert.Equal((new Counter(2), 2L), await GrainStateStore.LoadAsync(_database, grain, TestStateJson.Default.Counter));

        // A second writer that loaded version 1 (a duplicate activation) conflicts and changes nothing.
        var stale = GrainStateStore.Write(grain, new Counter(99), 1, TestStateJson.Default.Counter);
        var error = await Assert.ThrowsAsync<GrainException>(() => _committer.Submit(stale, 0, Epoch, NewChain()));
        Assert.Equal(GrainErrorCodes.StorageFailed, error.Code);
        Assert.Equal((new Counter(2), 2L), await GrainStateStore.LoadAsync(_database, grain, TestStateJson.Default.Counter));
    }

    [Fact]
    public async Task After_a_failed_write_the_rest_of_its_chain_never_commits()
    {
        var grain = new GrainId("counter", "b");
        var broken = 0;
        var chain = new WriteChain(_ => Interlocked.Increment(ref broken));
        var conflicting = _committer.Submit(GrainStateStore.Write(grain, new Counter(1), 5, TestStateJson.Default.Counter), 0, Epoch, chain);
        // This one would succeed on its own (version 0 matches), but it was computed after the failed one.
        var following = _committer.Submit(GrainStateStore.Write(grain, new Counter(2), 0, TestStateJson.Default.Counter), 0, Epoch, chain);

        await Assert.ThrowsAsync<GrainException>(() => conflicting);
        await Assert.ThrowsAsync<GrainException>(() => following);
        Assert.Equal(1, broken);
        Assert.Equal((null, 0L), await GrainStateStore.LoadAsync(_database, grain, TestStateJson.Default.Counter));
    }

    [Fact]
    public async Task Writes_are_fenced_by_the_lease_epoch_and_one_refusal_does_not_sink_the_batch()
    {
        var stale = _committer.Submit(GrainStateStore.Write(new GrainId("counter", "old"), new Counter(1), 0, TestStateJson.Default.Counter), 0, Epoch - 1, NewChain());
        var unheld = _committer.Submit(GrainStateStore.Write(new GrainId("counter", "elsewhere"), new Counter(1), 0, TestStateJson.Default.Counter), 1, Epoch, NewChain());
        var good = _committer.Submit(GrainStateStore.Write(new GrainId("counter", "good"), new Counter(1), 0, TestStateJson.Default.Counter), 0, Epoch, NewChain());

        Assert.Equal(GrainErrorCodes.WrongSilo, (await Assert.ThrowsAsync<GrainException>(() => stale)).Code);
        Assert.Equal(GrainErrorCodes.WrongSilo, (await Assert.ThrowsAsync<GrainException>(() => unheld)).Code);
        await good;
        Assert.Equal(1, await Ledger.ScalarAsync(_database.ConnectionString, "SELECT count(*) FROM grain_state"));
    }

    [Fact]
    public async Task A_lane_whose_connection_was_killed_commits_on_a_new_one()
    {
        var grain = new GrainId("counter", "survivor");
        var chain = NewChain();
        await _committer.Submit(GrainStateStore.Write(grain, new Counter(1), 0, TestStateJson.Default.Counter), 0, Epoch, chain);

        // Every lane keeps its connection between batches: kill them all, as a database restart or failover would.
        var killed = await Ledger.ScalarAsync(_database.ConnectionString,
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) k");
        Assert.True(killed > 0, "the lane's connection was not open");

        await _committer.Submit(GrainStateStore.Write(grain, new Counter(2), 1, TestStateJson.Default.Counter), 0, Epoch, chain);
        Assert.Equal((new Counter(2), 2L), await GrainStateStore.LoadAsync(_database, grain, TestStateJson.Default.Counter));
    }

    [Fact]
    public async Task A_commit_whose_answer_was_lost_is_reported_once_it_is_known_and_applied_once()
    {
        await using var proxy = new CommitDroppingProxy(_database.ConnectionString!);
        await using var database = NpgsqlDataSource.Create(proxy.ConnectionString);
        await using var committer = new GroupCommitter(database, Silo, new GroupCommitOptions { Lanes = 1 }, NullLogger<GroupCommitter>.Instance);
        var grain = new GrainId("counter", "lost-answer");
        var chain = NewChain();
        await committer.Submit(GrainStateStore.Write(grain, new Counter(1), 0, TestStateJson.Default.Counter), 0, Epoch, chain);

        proxy.ArmOnce();
        await committer.Submit(GrainStateStore.Write(grain, new Counter(2), 1, TestStateJson.Default.Counter), 0, Epoch, chain);

        Assert.Equal(1, proxy.Dropped);
        Assert.False(chain.IsBroken);
        Assert.Equal((new Counter(2), 2L), await GrainStateStore.LoadAsync(_database, grain, TestStateJson.Default.Counter));
        // And the chain goes on from there: the next write finds the version it expects.
        await committer.Submit(GrainStateStore.Write(grain, new Counter(3), 2, TestStateJson.Default.Counter), 0, Epoch, chain);
        Assert.Equal((new Counter(3), 3L), await GrainStateStore.LoadAsync(_database, grain, TestStateJson.Default.Counter));
    }

    private static WriteChain NewChain() => new(_ => { });
}
