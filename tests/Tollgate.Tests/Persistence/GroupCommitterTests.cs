using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Grains.Accounts;
using Tollgate.Persistence;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Persistence;

/// <summary>
/// The committer on its own: version-fenced writes, write chains, lost connections and lost COMMIT answers; and an account's writes
/// through it (<see cref="AccountWrites"/>).
/// </summary>
public sealed class GroupCommitterTests(PostgresFixture postgres) : IAsyncLifetime, IClassFixture<PostgresFixture>
{
    private string _connectionString = "";
    private NpgsqlDataSource _database = null!;
    private GroupCommitter _committer = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync();
        _database = NpgsqlDataSource.Create(_connectionString);
        await using var table = _database.CreateCommand("""
            CREATE TABLE counters (id text PRIMARY KEY, value integer NOT NULL, version bigint NOT NULL);
            CREATE TABLE events (seq bigint GENERATED ALWAYS AS IDENTITY, id text PRIMARY KEY, amount integer NOT NULL CHECK (amount >= 0));
            CREATE TABLE tallies (id text PRIMARY KEY, total integer NOT NULL);
            -- How many UPDATE statements a committed transaction ran on tallies (a rolled-back one's count is rolled back too).
            CREATE TABLE tally_statements (count integer NOT NULL);
            INSERT INTO tally_statements VALUES (0);
            CREATE FUNCTION count_tally_statement() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE tally_statements SET count = count + 1; RETURN NULL; END $$;
            CREATE TRIGGER tally_statements AFTER UPDATE ON tallies FOR EACH STATEMENT EXECUTE FUNCTION count_tally_statement();
            """);
        await table.ExecuteNonQueryAsync();
        _committer = new GroupCommitter(_database, new GroupCommitOptions(), NullLogger<GroupCommitter>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _committer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Versioned_writes_commit_in_order_and_a_stale_version_is_refused()
    {
        var chain = new WriteChain();
        await _committer.Submit(Counter("a", 1, expectedVersion: 0), chain);
        await _committer.Submit(Counter("a", 2, expectedVersion: 1), chain);
        Assert.Equal((2, 2L), await ReadAsync("a"));

        // A second writer that loaded version 1 (a duplicate activation) conflicts and changes nothing.
        var error = await Assert.ThrowsAsync<CommitFailedException>(() => _committer.Submit(Counter("a", 99, expectedVersion: 1), new WriteChain()));
        Assert.Equal(CommitFailure.Conflict, error.Failure);
        Assert.Equal((2, 2L), await ReadAsync("a"));
    }

    [Fact]
    public async Task After_a_failed_write_the_rest_of_its_chain_never_commits()
    {
        var chain = new WriteChain();
        var conflicting = _committer.Submit(Counter("b", 1, expectedVersion: 5), chain);
        // This one would succeed on its own (version 0 matches), but it was computed after the failed one.
        var following = _committer.Submit(Counter("b", 2, expectedVersion: 0), chain);

        Assert.Equal(CommitFailure.Conflict, (await Assert.ThrowsAsync<CommitFailedException>(() => conflicting)).Failure);
        Assert.Equal(CommitFailure.ChainBroken, (await Assert.ThrowsAsync<CommitFailedException>(() => following)).Failure);
        Assert.True(chain.IsBroken);
        Assert.Null(await ReadAsync("b"));
    }

    [Fact]
    public async Task One_refused_write_does_not_sink_the_others_of_its_batch()
    {
        await using var committer = new GroupCommitter(_database, new GroupCommitOptions { Lanes = 1 }, NullLogger<GroupCommitter>.Instance);
        var stale = committer.Submit(Counter("old", 1, expectedVersion: 3), new WriteChain());
        var good = committer.Submit(Counter("good", 1, expectedVersion: 0), new WriteChain());
        var alsoGood = committer.Submit(Counter("also-good", 1, expectedVersion: 0), new WriteChain());

        Assert.Equal(CommitFailure.Conflict, (await Assert.ThrowsAsync<CommitFailedException>(() => stale)).Failure);
        await Task.WhenAll(good, alsoGood);
        Assert.Equal(2, await Ledger.ScalarAsync(_connectionString, "SELECT count(*) FROM counters"));
    }

    [Fact]
    public async Task A_lane_whose_connection_was_killed_commits_on_a_new_one()
    {
        var chain = new WriteChain();
        await _committer.Submit(Counter("survivor", 1, expectedVersion: 0), chain);

        // Every lane keeps its connection between batches: kill them all, as a database restart or failover would.
        var killed = await Ledger.ScalarAsync(_connectionString,
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) k");
        Assert.True(killed > 0, "the lane's connection was not open");

        await _committer.Submit(Counter("survivor", 2, expectedVersion: 1), chain);
        Assert.Equal((2, 2L), await ReadAsync("survivor"));
    }

    [Fact]
    public async Task A_commit_whose_answer_was_lost_is_reported_once_it_is_known_and_applied_once()
    {
        await using var proxy = new CommitDroppingProxy(_connectionString);
        await using var database = NpgsqlDataSource.Create(proxy.ConnectionString);
        await using var committer = new GroupCommitter(database, new GroupCommitOptions { Lanes = 1 }, NullLogger<GroupCommitter>.Instance);
        var chain = new WriteChain();
        await committer.Submit(Counter("lost-answer", 1, expectedVersion: 0), chain);

        proxy.ArmOnce();
        await committer.Submit(Counter("lost-answer", 2, expectedVersion: 1), chain);

        Assert.Equal(1, proxy.Dropped);
        Assert.False(chain.IsBroken);
        Assert.Equal((2, 2L), await ReadAsync("lost-answer"));
        // And the chain goes on from there: the next write finds the version it expects.
        await committer.Submit(Counter("lost-answer", 3, expectedVersion: 2), chain);
        Assert.Equal((3, 3L), await ReadAsync("lost-answer"));
    }

    [Fact]
    public async Task A_commit_whose_every_answer_was_lost_is_sent_again_and_conflicts_instead_of_applying_twice()
    {
        // The transaction's id never arrives, so the committer cannot ask what became of it: it sends the batch again, and
        // the write's version fence, which the first one already moved, refuses it. Applied once, reported as a conflict.
        await using var proxy = new CommitDroppingProxy(_connectionString);
        await using var database = NpgsqlDataSource.Create(proxy.ConnectionString);
        await using var committer = new GroupCommitter(database, new GroupCommitOptions { Lanes = 1 }, NullLogger<GroupCommitter>.Instance);
        var chain = new WriteChain();
        await committer.Submit(Counter("all-lost", 1, expectedVersion: 0), chain);

        proxy.ArmOnce(loseEarlierAnswers: true);
        var error = await Assert.ThrowsAsync<CommitFailedException>(() => committer.Submit(Counter("all-lost", 2, expectedVersion: 1), chain));

        Assert.Equal(1, proxy.Dropped);
        Assert.Equal(CommitFailure.Conflict, error.Failure);
        Assert.True(chain.IsBroken);
        Assert.Equal((2, 2L), await ReadAsync("all-lost"));
    }

    [Fact]
    public async Task Rows_inserted_together_commit_in_order_and_a_duplicate_or_a_bad_one_refuses_only_its_own_write()
    {
        await using var committer = new GroupCommitter(_database, new GroupCommitOptions { Lanes = 1 }, NullLogger<GroupCommitter>.Instance);
        await committer.Submit(Counter("seed", 1, expectedVersion: 0).InsertRow(Events, "taken", 1), new WriteChain());

        // One lane: the writes queued together go in one transaction, their events as one statement where it can.
        var writes = Enumerable.Range(0, 40).Select(i => (Id: $"e{i}", Amount: i)).ToList();
        writes[7] = ("taken", 7);   // a duplicate: inserts nothing
        writes[23] = ("bad", -1);   // breaks the table's CHECK
        var submitted = writes.Select((w, i) => committer.Submit(
            Counter($"c{i}", i, expectedVersion: 0).InsertRow(Events, w.Id, w.Amount), new WriteChain())).ToList();

        Assert.Equal(CommitFailure.Conflict, (await Assert.ThrowsAsync<CommitFailedException>(() => submitted[7])).Failure);
        Assert.Equal(CommitFailure.Refused, (await Assert.ThrowsAsync<CommitFailedException>(() => submitted[23])).Failure);
        await Task.WhenAll(submitted.Where((_, i) => i is not 7 and not 23));
        Assert.Equal(38 + 1, await Ledger.ScalarAsync(_connectionString, "SELECT count(*) FROM counters"));
        Assert.Null(await ReadAsync("c7"));
        // Every other event is there once, in the order of the writes.
        var order = await Ledger.TextAsync(_connectionString, "SELECT string_agg(id, ',' ORDER BY seq) FROM events");
        Assert.Equal(string.Join(',', new[] { "taken" }.Concat(writes.Where((_, i) => i is not 7 and not 23).Select(w => w.Id))), order);
    }

    [Fact]
    public async Task Rows_updated_together_keep_each_owners_order_and_a_stale_one_refuses_only_its_own_write()
    {
        await using var committer = new GroupCommitter(_database, new GroupCommitOptions { Lanes = 1 }, NullLogger<GroupCommitter>.Instance);
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => committer.Submit(Counter($"u{i}", 0, expectedVersion: 0), new WriteChain())));

        // One lane, held while these queue: they go in one transaction, the owners' first updates as one statement.
        var held = await HoldLaneAsync(committer);
        var batchesBefore = committer.CommittedBatches;
        var chained = new WriteChain();
        var u12 = new[]
        {
            committer.Submit(Updated("u12", 12, expectedVersion: 1), chained),
            committer.Submit(Counter("u12", 100, expectedVersion: 2), chained), // an unmerged statement: runs after the merged one
            committer.Submit(Updated("u12", 200, expectedVersion: 3), chained), // not its owner's first: runs after both
        };
        var others = Enumerable.Range(0, 20).Where(i => i is not 12).Select(i => committer.Submit(Updated($"u{i}", i, expectedVersion: 1), new WriteChain())).ToList();
        await Task.WhenAll(u12.Concat(others).Append(held));
        Assert.Equal((200, 4L), await ReadAsync("u12"));
        Assert.Equal(2, committer.CommittedBatches - batchesBefore); // the hold's, then all of these together

        // A stale one among them (an activation that lost a race) is refused alone.
        held = await HoldLaneAsync(committer);
        var stale = committer.Submit(Updated("u25", 25, expectedVersion: 7), new WriteChain());
        var rest = Enumerable.Range(20, 10).Where(i => i is not 25).Select(i => committer.Submit(Updated($"u{i}", i, expectedVersion: 1), new WriteChain())).ToList();
        await Task.WhenAll(rest.Append(held));
        Assert.Equal(CommitFailure.Conflict, (await Assert.ThrowsAsync<CommitFailedException>(() => stale)).Failure);
        Assert.Equal((0, 1L), await ReadAsync("u25"));
        Assert.Equal(28, await Ledger.ScalarAsync(_connectionString, "SELECT count(*) FROM counters WHERE id LIKE 'u%' AND version = 2 AND value = substr(id, 2)::int"));
    }

    [Fact]
    public async Task An_owners_updates_of_two_tables_go_together_and_its_later_ones_combine_or_run_after_them()
    {
        await using var committer = new GroupCommitter(_database, new GroupCommitOptions { Lanes = 1 }, NullLogger<GroupCommitter>.Instance);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => committer.Submit(
            Counter($"t{i}", 0, expectedVersion: 0).Guarded("INSERT INTO tallies (id, total) VALUES ($1, 0)", $"t{i}"), new WriteChain())));

        // As settles: the account's row, a relative change of a row of its own in another table (its grant), an insert.
        var held = await HoldLaneAsync(committer);
        var batchesBefore = committer.CommittedBatches;
        var chained = new WriteChain();
        var t5 = new[]
        {
            committer.Submit(InOrder("t5", 1, expectedVersion: 1).UpdateRow(Tallies, "t5", 10).InsertRow(Events, "t5-a", 1), chained),
            committer.Submit(InOrder("t5", 2, expectedVersion: 2).UpdateRow(Tallies, "t5", 20).InsertRow(Events, "t5-b", 2), chained),
            // Its tally's changes combine while they have one sign (as this test's table says): the last one runs after them, alone.
            committer.Submit(InOrder("t5", 3, expectedVersion: 3).UpdateRow(Tallies, "t5", 30).UpdateRow(Tallies, "t5", -40), chained),
        };
        var others = Enumerable.Range(0, 20).Where(i => i is not 5)
            .Select(i => committer.Submit(InOrder($"t{i}", i, expectedVersion: 1).UpdateRow(Tallies, $"t{i}", i), new WriteChain())).ToList();
        await Task.WhenAll(t5.Concat(others).Append(held));

        Assert.Equal(2, committer.CommittedBatches - batchesBefore); // the hold's, then all of these together
        // One statement for every owner's tally, t5's first three changes in one row of it; then t5's -40 alone.
        Assert.Equal(2, await Ledger.ScalarAsync(_connectionString, "SELECT count FROM tally_statements"));
        Assert.Equal((3, 4L), await ReadAsync("t5"));
        Assert.Equal(20, await Ledger.ScalarAsync(_connectionString, "SELECT total FROM tallies WHERE id = 't5'")); // every change, none lost
        Assert.Equal(19, await Ledger.ScalarAsync(_connectionString,
            "SELECT count(*) FROM tallies t JOIN counters c USING (id) WHERE id <> 't5' AND t.total = substr(id, 2)::int AND c.value = t.total AND c.version = 2"));

        // A stale chain among them (an activation that lost a race): its first write is refused, and nothing after it commits.
        held = await HoldLaneAsync(committer);
        var stale = new WriteChain();
        var t7 = new[]
        {
            committer.Submit(InOrder("t7", 70, expectedVersion: 1).UpdateRow(Tallies, "t7", 70), stale),
            committer.Submit(InOrder("t7", 71, expectedVersion: 2).UpdateRow(Tallies, "t7", 71), stale),
        };
        var rest = Enumerable.Range(10, 5).Select(i => committer.Submit(InOrder($"t{i}", 100 + i, expectedVersion: 2), new WriteChain())).ToList();
        await Task.WhenAll(rest.Append(held));
        Assert.Equal(CommitFailure.Conflict, (await Assert.ThrowsAsync<CommitFailedException>(() => t7[0])).Failure);
        Assert.Equal(CommitFailure.ChainBroken, (await Assert.ThrowsAsync<CommitFailedException>(() => t7[1])).Failure);
        Assert.Equal((7, 2L), await ReadAsync("t7"));
        Assert.Equal(7, await Ledger.ScalarAsync(_connectionString, "SELECT total FROM tallies WHERE id = 't7'"));
        Assert.Equal(5, await Ledger.ScalarAsync(_connectionString, "SELECT count(*) FROM counters WHERE id IN ('t10', 't11', 't12', 't13', 't14') AND version = 3 AND value > 100"));
    }

    /// <summary>
    /// A write that keeps a one-lane committer busy for a moment, once its lane has taken it (nothing queued), so the writes
    /// submitted next queue into one batch. Returns the write's own task.
    /// </summary>
    private static async Task<Task> HoldLaneAsync(GroupCommitter committer)
    {
        var held = committer.Submit(new GrainWrite("hold").Guarded("INSERT INTO events (id, amount) SELECT $1, 0 FROM pg_sleep(0.3)", $"hold-{Guid.NewGuid()}"), new WriteChain());
        await Eventually.TrueAsync(() => Task.FromResult(committer.QueuedWrites == 0), "the lane never took the holding write", seconds: 10);
        return held;
    }

    private static readonly RowTable Counters = RowTable.Update("counters", "value = given.value, version = given.version + 1",
        "counters.id = given.id AND counters.version = given.version", ("id", "text"), ("value", "integer"), ("version", "bigint"));

    private static GrainWrite Updated(string id, int value, long expectedVersion) => new GrainWrite($"counter/{id}").UpdateRow(Counters, id, value, expectedVersion);

    /// <summary>A relative change, as a draw on a grant (two of one row in one statement would apply only one), that combines by sign.</summary>
    private static readonly RowTable Tallies = RowTable.Update("tallies", "total = tallies.total + given.amount", "tallies.id = given.id",
        ("id", "text"), ("amount", "integer"))
        .Combining(keyColumns: 1, (earlier, later) => Math.Sign((int)earlier[1]!) == Math.Sign((int)later[1]!) ? [earlier[0], (int)earlier[1]! + (int)later[1]!] : null);

    /// <summary>A counter fenced by its version, whose writes of one transaction combine as an account's charges do.</summary>
    private static readonly RowTable CountersInOrder = RowTable.Update("counters", "value = given.value, version = given.next_version",
        "counters.id = given.id AND counters.version = given.version", ("id", "text"), ("value", "integer"), ("version", "bigint"), ("next_version", "bigint"))
        .Combining(keyColumns: 1, (earlier, later) => Equals(earlier[3], later[2]) ? [earlier[0], later[1], earlier[2], later[3]] : null);

    private static GrainWrite InOrder(string id, int value, long expectedVersion) =>
        new GrainWrite($"counter/{id}").UpdateRow(CountersInOrder, id, value, expectedVersion, expectedVersion + 1);

    private static readonly RowTable Events = RowTable.Insert("events", "ON CONFLICT (id) DO NOTHING", ("id", "text"), ("amount", "integer"));

    /// <summary>A write of a counter row fenced by its version, as an account's writes are (0: the row must not exist yet).</summary>
    [Fact]
    public async Task Batches_bigger_than_a_turn_are_all_answered_in_commit_order()
    {
        // More than a batch holds (512), so the lane answers one batch a turn at a time while it commits the next.
        var chain = new WriteChain();
        var writes = new Task[600];
        for (var i = 0; i < writes.Length; i++) writes[i] = _committer.Submit(Counter("big", i + 1, expectedVersion: i), chain);
        var answeredBeforeAnEarlierOne = 0;
        await Task.WhenAll(writes.Select((write, i) => write.ContinueWith(_ =>
        {
            if (i > 0 && !writes[i - 1].IsCompletedSuccessfully) Interlocked.Increment(ref answeredBeforeAnEarlierOne);
        }, TaskScheduler.Default)));
        Assert.All(writes, write => Assert.True(write.IsCompletedSuccessfully));
        Assert.Equal(0, answeredBeforeAnEarlierOne);
        Assert.Equal((600, 600L), await ReadAsync("big"));
    }

    [Fact]
    public async Task An_accounts_writes_let_go_of_committed_tasks_and_keep_a_failed_one()
    {
        var writes = new AccountWrites(_committer);
        writes.Submit(Counter("w", 1, expectedVersion: 0), onlyTakesAway: false);
        writes.Submit(Counter("w", 2, expectedVersion: 1), onlyTakesAway: true);
        await writes.All;
        Assert.NotSame(Task.CompletedTask, writes.All);
        Assert.NotSame(Task.CompletedTask, writes.Giving);

        // Kept, the last write's task would stay until the account's next write: a young object held by an old activation.
        writes.ForgetCommitted();
        Assert.Same(Task.CompletedTask, writes.All);
        Assert.Same(Task.CompletedTask, writes.Giving);

        writes.Submit(Counter("w", 3, expectedVersion: 7), onlyTakesAway: true); // a stale version: refused
        await Assert.ThrowsAsync<CommitFailedException>(() => writes.All);
        writes.ForgetCommitted();
        Assert.True(writes.All.IsFaulted); // every later answer still learns of it
        Assert.True(writes.IsBroken);
    }

    private static GrainWrite Counter(string id, int value, long expectedVersion) =>
        expectedVersion == 0
            ? new GrainWrite($"counter/{id}").Guarded("INSERT INTO counters (id, value, version) VALUES ($1, $2, 1) ON CONFLICT (id) DO NOTHING", id, value)
            : new GrainWrite($"counter/{id}").Guarded("UPDATE counters SET value = $2, version = $3 + 1 WHERE id = $1 AND version = $3", id, value, expectedVersion);

    private async Task<(int Value, long Version)?> ReadAsync(string id)
    {
        await using var read = _database.CreateCommand("SELECT value, version FROM counters WHERE id = $1");
        read.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await read.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetInt64(1)) : null;
    }
}
