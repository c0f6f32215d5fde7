using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Grains.Accounts;
using Tollgate.Persistence;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Accounts;

/// <summary>An account's writes in flight: what an answer waits for, and what the account keeps once they commit.</summary>
public sealed class AccountWritesTests(PostgresFixture postgres) : IAsyncLifetime, IClassFixture<PostgresFixture>
{
    private NpgsqlDataSource _database = null!;
    private GroupCommitter _committer = null!;

    public async Task InitializeAsync()
    {
        _database = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await using var table = _database.CreateCommand("CREATE TABLE counters (id text PRIMARY KEY, version bigint NOT NULL)");
        await table.ExecuteNonQueryAsync();
        _committer = new GroupCommitter(_database, new GroupCommitOptions(), NullLogger<GroupCommitter>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _committer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Committed_writes_are_let_go_and_a_failed_one_is_kept_with_its_failure()
    {
        var writes = new AccountWrites(_committer);
        writes.Submit(Versioned("a", expectedVersion: 0), onlyTakesAway: false);
        writes.Submit(Versioned("a", expectedVersion: 1), onlyTakesAway: true);
        await writes.All;
        Assert.NotSame(Task.CompletedTask, writes.All);
        Assert.NotSame(Task.CompletedTask, writes.Giving);

        writes.ForgetCommitted();
        Assert.Same(Task.CompletedTask, writes.All);
        Assert.Same(Task.CompletedTask, writes.Giving);
        Assert.False(writes.IsBroken);

        writes.Submit(Versioned("a", expectedVersion: 7), onlyTakesAway: true); // a stale version: refused
        await Assert.ThrowsAsync<CommitFailedException>(() => writes.All);
        writes.ForgetCommitted();
        Assert.True(writes.All.IsFaulted); // every later answer still learns of it
        Assert.True(writes.IsBroken);
    }

    private static GrainWrite Versioned(string id, long expectedVersion) =>
        expectedVersion == 0
            ? new GrainWrite($"counter/{id}").Guarded("INSERT INTO counters (id, version) VALUES ($1, 1) ON CONFLICT (id) DO NOTHING", id)
            : new GrainWrite($"counter/{id}").Guarded("UPDATE counters SET version = $2 + 1 WHERE id = $1 AND version = $2", id, expectedVersion);
}
