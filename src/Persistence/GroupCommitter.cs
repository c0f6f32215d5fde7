using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Tollgate.Persistence;

/// <summary>
/// Commits grain writes in batches: every write waiting in a lane goes into one transaction, so
/// concurrent calls share a commit (group commit) while each caller is still answered only after
/// its own write is durable. Writes fence themselves: each starts with a guarded statement (an
/// account's <c>UPDATE … WHERE version = $expected</c>), so a write computed by a stale or duplicate
/// activation changes nothing and is refused as a <see cref="CommitFailure.Conflict"/>.
/// Each batch is measured on the silo's meter: <c>tollgate.group_commit.batch_size</c> (writes taken from a lane
/// into one transaction) and <c>tollgate.group_commit.duration</c> (until every write of it is committed or refused,
/// retries included), tagged with the outcome: <c>committed</c> (every write), <c>partial</c> (some refused) or <c>failed</c>.
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable
{
    public const string MeterName = "Tollgate.Silo";
    public const string BatchSizeName = "tollgate.group_commit.batch_size";
    public const string DurationName = "tollgate.group_commit.duration";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram(BatchSizeName, "{write}",
        "Grain writes committed by one transaction", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
    private static readonly Histogram<double> Duration = Meter.CreateHistogram(DurationName, "s",
        "How long a group commit took, from taking its writes to committing or refusing each", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });

    private readonly NpgsqlDataSource _database;
    private readonly GroupCommitOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite>[] _lanes;
    private readonly Task[] _loops;
    private long _committedBatches;
    private long _committedWrites;

    public GroupCommitter(NpgsqlDataSource database, GroupCommitOptions options, ILogger<GroupCommitter> logger)
    {
        if (options.Lanes < 1 || options.MaxBatch < 1 || options.QueueCapacity < 1) throw new ArgumentException("Group commit options must be positive.", nameof(options));
        _database = database;
        _options = options;
        _logger = logger;
        _lanes = new Channel<PendingWrite>[options.Lanes];
        _loops = new Task[options.Lanes];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true });
            var lane = _lanes[i].Reader;
            _loops[i] = Task.Run(() => RunLaneAsync(lane));
        }
    }

    /// <summary>Transactions committed so far.</summary>
    public long CommittedBatches => Interlocked.Read(ref _committedBatches);

    /// <summary>Grain writes committed so far; divided by <see cref="CommittedBatches"/>, the mean group size.</summary>
    public long CommittedWrites => Interlocked.Read(ref _committedWrites);

    /// <summary>Writes waiting for their lane's next transaction (not those in one now): the queue depth.</summary>
    public int QueuedWrites => _lanes.Sum(lane => lane.Reader.Count);

    /// <summary>
    /// Queues a write. The task completes when the write is committed, or fails with a
    /// <see cref="CommitFailedException"/>. Writes of one owner share a lane, so they commit in order.
    /// </summary>
    public Task Submit(GrainWrite write, WriteChain chain)
    {
        if (write.Statements.Count == 0 || !write.Statements[0].IsGuarded)
            throw new ArgumentException("A grain write must start with a guarded statement, so a retried batch can never apply it twice.", nameof(write));
        var pending = new PendingWrite(write, chain);
        if (chain.IsBroken)
        {
            pending.Fail(ChainBroken());
        }
        else if (!_lanes[LaneOf(write.Owner)].Writer.TryWrite(pending))
        {
            pending.Fail(new CommitFailedException(CommitFailure.Overloaded, "The silo's write queue is full; retry later."));
        }
        return pending.Done.Task;
    }

    private int LaneOf(string owner) => (int)((uint)StringComparer.Ordinal.GetHashCode(owner) % (uint)_lanes.Length);

    private async Task RunLaneAsync(ChannelReader<PendingWrite> lane)
    {
        var batch = new List<PendingWrite>(_options.MaxBatch);
        await using var connection = new LaneConnection(_database);
        var answers = new LaneAnswers();
        while (await lane.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _options.MaxBatch && lane.TryRead(out var write)) batch.Add(write);
            var started = Stopwatch.GetTimestamp();
            try
            {
                await CommitAsync(batch, connection, answers).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // CommitAsync completes every write itself; this only guards the loop against a bug.
                _logger.LogError(ex, "Group commit loop failed unexpectedly");
                foreach (var write in batch)
                {
                    if (!write.Committed) write.Fail(new CommitFailedException(CommitFailure.Unavailable, "The write was not committed.", ex));
                }
            }
            Measure(batch, started);
            batch.Clear();
        }
    }

    private static void Measure(List<PendingWrite> batch, long started)
    {
        if (!Duration.Enabled && !BatchSize.Enabled) return;
        var committed = 0;
        foreach (var write in batch)
        {
            if (write.Committed) committed++;
        }
        var outcome = new KeyValuePair<string, object?>("outcome", committed == batch.Count ? "committed" : committed == 0 ? "failed" : "partial");
        BatchSize.Record(batch.Count, outcome);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, outcome);
    }

    private async Task CommitAsync(List<PendingWrite> batch, LaneConnection connection, LaneAnswers answers)
    {
        var live = new List<PendingWrite>(batch.Count);
        foreach (var write in batch)
        {
            if (write.Chain.IsBroken) write.Fail(ChainBroken());
            else live.Add(write);
        }

        var transientFailures = 0;
        var merge = true;
        while (live.Count > 0)
        {
            try
            {
                if (await TryCommitAsync(live, connection, merge).ConfigureAwait(false) is not { } rejected)
                {
                    merge = false; // a merged insert met a duplicate or an error: again one statement per row, which names the write
                    continue;
                }
                if (rejected.Count == 0)
                {
                    Committed(live, answers);
                    return;
                }
                // Drop the rejected writes (and later writes of their activations) and commit the rest.
                foreach (var (write, reason) in rejected) write.Fail(reason);
                foreach (var write in live)
                {
                    if (write.Chain.IsBroken) write.Fail(ChainBroken()); // no-op for the rejected ones themselves
                }
                live.RemoveAll(write => write.Chain.IsBroken);
            }
            catch (UnattributedRefusal refusal)
            {
                // Rare (a grain's bug, or a constraint it does not check): each write alone, in order, so only the bad one fails.
                _logger.LogWarning(refusal.InnerException, "A batch of {Count} writes was refused; committing them one at a time", live.Count);
                foreach (var write in live) await CommitAsync([write], connection, answers).ConfigureAwait(false);
                return;
            }
            catch (CommitOutcomeUnknownException unknown)
            {
                // The connection died after the transaction began, so its COMMIT may have run: ask the database what became of it.
                var status = await ResolveAsync(unknown.TransactionId).ConfigureAwait(false);
                if (status == "committed")
                {
                    Committed(live, answers);
                    return;
                }
                if (status != "aborted" || ++transientFailures > _options.TransientRetries)
                {
                    _logger.LogError(unknown.InnerException, "The outcome of a commit of {Count} writes is unknown; the writes are reported failed", live.Count);
                    foreach (var write in live)
                        write.Fail(new CommitFailedException(CommitFailure.Unavailable, "The database may or may not have committed the write; retry with the same id.", unknown.InnerException));
                    return;
                }
                _logger.LogWarning(unknown.InnerException, "A commit of {Count} writes was aborted by a lost connection; retrying", live.Count);
            }
            catch (Exception ex) when (IsTransient(ex) && transientFailures < _options.TransientRetries)
            {
                // Safe to resend: every write starts with a guarded statement, so one that did commit (a connection that
                // died before the transaction's id reached the committer, yet after its COMMIT ran) now conflicts instead
                // of applying twice.
                transientFailures++;
                _logger.LogWarning(ex, "Group commit of {Count} writes failed (attempt {Attempt}); retrying", live.Count, transientFailures);
                await Task.Delay(TimeSpan.FromMilliseconds(50 << (2 * transientFailures))).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Group commit of {Count} writes failed; the writes are refused", live.Count);
                foreach (var write in live) write.Fail(new CommitFailedException(CommitFailure.Unavailable, "The database did not commit the write.", ex));
                return;
            }
        }
    }

    private void Committed(List<PendingWrite> live, LaneAnswers answers)
    {
        Interlocked.Increment(ref _committedBatches);
        Interlocked.Add(ref _committedWrites, live.Count);
        answers.Release(live);
    }

    /// <summary>
    /// Runs one transaction; commits and returns no rejections, or rolls back and returns them. With <paramref name="merge"/>,
    /// the writes' rows through one <see cref="RowTable"/> go as one statement (see <see cref="Arrange"/>); when one of those
    /// changes fewer than all its rows or fails, the transaction rolls back and returns null, to be run again without merging.
    /// </summary>
    private async Task<List<(PendingWrite Write, Exception Reason)>?> TryCommitAsync(List<PendingWrite> live, LaneConnection lane, bool merge)
    {
        try
        {
            return await TryCommitAsync(live, await lane.OpenAsync().ConfigureAwait(false), merge).ConfigureAwait(false);
        }
        catch
        {
            await lane.DiscardAsync().ConfigureAwait(false); // its state is unknown: the next batch opens another
            throw;
        }
    }

    private async Task<List<(PendingWrite Write, Exception Reason)>?> TryCommitAsync(List<PendingWrite> live, NpgsqlConnection connection, bool merge)
    {
        // One round trip: BEGIN and the transaction's id, then (after a sync, so the id is sent on before the rest runs and a
        // lost answer can still be resolved by it) every statement and the COMMIT. Guarded statements check their row counts
        // inside PostgreSQL (RowCountGuard), so a wrong one aborts the transaction before its COMMIT runs.
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_current_xact_id()::text") { AppendErrorBarrier = true });
        // owners[i] is the write batch command i belongs to; null for the transaction's own commands and for merged statements.
        var owners = new List<PendingWrite?>(live.Count * 2 + 3) { null, null };
        var arranged = Arrange(live, merge);
        foreach (var (table, rows) in arranged.Updates) Add(table.Command(rows, batch.BatchCommands.Count), null);
        foreach (var (statement, write) in arranged.Singles) Add(statement.ToCommand(batch.BatchCommands.Count), write);
        foreach (var (table, rows) in arranged.Inserts) Add(table.Command(rows, batch.BatchCommands.Count), null);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));

        void Add(NpgsqlBatchCommand command, PendingWrite? write)
        {
            batch.BatchCommands.Add(command);
            owners.Add(write);
        }

        string? transactionId = null;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
            await reader.ReadAsync().ConfigureAwait(false);
            transactionId = reader.GetString(0);
            while (await reader.NextResultAsync().ConfigureAwait(false)) { }
            return [];
        }
        catch (PostgresException ex) when (connection.State == System.Data.ConnectionState.Open)
        {
            // PostgreSQL refused a statement, so the transaction is aborted (not ended: the COMMIT was skipped) and nothing of it
            // committed. A transient refusal (a deadlock, a serialization failure) is retried as a whole.
            await using (var rollback = new NpgsqlCommand("ROLLBACK", connection)) await rollback.ExecuteNonQueryAsync().ConfigureAwait(false);
            if (ex.IsTransient) throw;
            if (merge) return null;
            var failed = RowCountGuard.WrongCountAt(ex) is { } index && index < owners.Count ? owners[index] : null;
            if (failed is not null && ex.SqlState == RowCountGuard.WrongCountState)
                return [(failed, new CommitFailedException(CommitFailure.Conflict, $"The write of {failed.Write.Owner} conflicts with the stored state (a stale version or a duplicate)."))];
            // Whose statement failed otherwise: the only write's; else runs of fewer writes tell.
            var write = live.Count == 1 ? live[0] : throw new UnattributedRefusal(ex);
            return [(write, new CommitFailedException(CommitFailure.Refused, $"The write of {write.Write.Owner} was refused by the database ({ex.SqlState}: {ex.MessageText}).", ex))];
        }
        catch (Exception ex) when (transactionId is not null && IsTransient(ex))
        {
            // The connection died after the transaction began: its COMMIT may have run.
            throw new CommitOutcomeUnknownException(transactionId, ex);
        }
    }

    /// <summary>
    /// The order a transaction runs its writes' statements in. Unmerged, as written. Merged, the rows inserted into one table go
    /// as one statement after all others (nothing depends on them), and an owner's updates through <see cref="RowTable"/>s go with
    /// the others like them before all other statements, from its first statement until its first one that cannot: a statement
    /// that is no such update, or a second update of the owner through the same table that may change the same row and does not
    /// combine with it (see <see cref="RowTable.Combining"/>). So no statement of an owner overtakes an earlier one, save merged
    /// updates of different rows.
    /// </summary>
    private static ArrangedBatch Arrange(List<PendingWrite> live, bool merge)
    {
        var arranged = new ArrangedBatch([], [], []);
        // Per owner, where its merged updates went (the table, its row's index there); null once one of its statements ran unmerged.
        var merged = merge ? new Dictionary<string, List<(RowTable Table, int Row)>?>(StringComparer.Ordinal) : null;
        foreach (var write in live)
        {
            foreach (var statement in write.Write.Statements)
            {
                if (merged is not null && statement.Row is { } table)
                {
                    if (!table.Updates)
                    {
                        Add(arranged.Inserts, table, statement.Values);
                        continue;
                    }
                    if (TryMergeUpdate(merged, arranged.Updates, write.Write.Owner, table, statement.Values)) continue;
                }
                arranged.Singles.Add((statement, write));
                if (merged is not null) merged[write.Write.Owner] = null;
            }
        }
        return arranged;

        static bool TryMergeUpdate(Dictionary<string, List<(RowTable Table, int Row)>?> merged,
            Dictionary<RowTable, List<object?[]>> updates, string owner, RowTable table, object?[] values)
        {
            if (!merged.TryGetValue(owner, out var own)) merged[owner] = own = [];
            if (own is null) return false;
            foreach (var (earlier, row) in own)
            {
                if (earlier != table) continue;
                if (!table.Combines) return false; // it may change the same row
                var rows = updates[table];
                if (!table.SameRow(rows[row], values)) continue;
                if (table.Combine(rows[row], values) is not { } both) return false;
                rows[row] = both;
                return true;
            }
            own.Add((table, Add(updates, table, values)));
            return true;
        }

        static int Add(Dictionary<RowTable, List<object?[]>> tables, RowTable table, object?[] values)
        {
            if (!tables.TryGetValue(table, out var rows)) tables[table] = rows = [];
            rows.Add(values);
            return rows.Count - 1;
        }
    }

    private sealed record ArrangedBatch(
        Dictionary<RowTable, List<object?[]>> Updates, List<(GrainWrite.Statement Statement, PendingWrite Write)> Singles, Dictionary<RowTable, List<object?[]>> Inserts);

    /// <summary>The status of a transaction that got no answer: committed, aborted, or null when it cannot be told.</summary>
    private async Task<string?> ResolveAsync(string transactionId)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                await using var status = _database.CreateCommand("SELECT pg_xact_status($1::xid8)");
                status.Parameters.Add(new NpgsqlParameter { Value = transactionId });
                if (await status.ExecuteScalarAsync().ConfigureAwait(false) is string result && result != "in progress") return result;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                _logger.LogWarning(ex, "Could not read the status of transaction {Transaction} (attempt {Attempt})", transactionId, attempt);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt)).ConfigureAwait(false);
        }
        return null;
    }

    private sealed class UnattributedRefusal(PostgresException inner) : Exception("The database refused a statement of the batch without saying which.", inner);

    private sealed class CommitOutcomeUnknownException(string transactionId, Exception inner) : Exception("The transaction got no answer.", inner)
    {
        public string TransactionId { get; } = transactionId;
    }

    private static bool IsTransient(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } or TimeoutException or IOException or System.Net.Sockets.SocketException
        || (ex is NpgsqlException && ex.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException);

    private static CommitFailedException ChainBroken() =>
        new(CommitFailure.ChainBroken, "An earlier write of this activation failed, so this one was not committed.");

    public async ValueTask DisposeAsync()
    {
        foreach (var lane in _lanes) lane.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers a lane's committed writes, in the order they committed. A commit that took long (an fsync on a busy disk) holds back
    /// hundreds of settles; their callers' continuations, queued all at once, would put every call that arrived meanwhile (an
    /// authorize, which gates an upstream call) behind them in the thread pool's queue. So a big batch, or one committed while the
    /// last is still being answered, is answered a turn at a time, the pool's queue going first between turns, while the lane goes
    /// on to its next commit. Successes go out in commit order; a refusal goes out at once. Used by its lane's loop alone, one
    /// batch at a time.
    /// </summary>
    private sealed class LaneAnswers
    {
        /// <summary>Most answers released in one turn of the thread pool: some 5 ms of their callers' work on a core here.</summary>
        private const int PerTurn = 32;

        private Task _releasing = Task.CompletedTask;

        public void Release(List<PendingWrite> writes)
        {
            foreach (var write in writes) write.Committed = true;
            if (_releasing.IsCompleted && writes.Count <= PerTurn)
            {
                foreach (var write in writes) write.Done.TrySetResult();
                return;
            }
            _releasing = ReleaseInTurnsAsync(_releasing, writes);
        }

        private static async Task ReleaseInTurnsAsync(Task before, List<PendingWrite> writes)
        {
            await before.ConfigureAwait(false); // the batch committed before goes out first
            for (var i = 0; i < writes.Count; i++)
            {
                if (i % PerTurn == 0) await Task.Yield();
                writes[i].Done.TrySetResult();
            }
        }
    }

    /// <summary>
    /// The connection a lane keeps for its transactions. Opening one from the pool for every batch made
    /// PostgreSQL reset the session first (four statements, about 30 µs of its time per batch).
    /// </summary>
    private sealed class LaneConnection(NpgsqlDataSource database) : IAsyncDisposable
    {
        private NpgsqlConnection? _connection;

        public async ValueTask<NpgsqlConnection> OpenAsync()
        {
            if (_connection is { State: System.Data.ConnectionState.Open }) return _connection;
            await DiscardAsync().ConfigureAwait(false);
            var connection = await database.OpenConnectionAsync().ConfigureAwait(false);
            try
            {
                await using var guard = new NpgsqlCommand(RowCountGuard.CreateFunction, connection);
                await guard.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            return _connection = connection;
        }

        public async ValueTask DiscardAsync()
        {
            var connection = _connection;
            _connection = null;
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }

        public ValueTask DisposeAsync() => DiscardAsync();
    }

    private sealed class PendingWrite(GrainWrite write, WriteChain chain)
    {
        public GrainWrite Write { get; } = write;
        public WriteChain Chain { get; } = chain;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Its transaction committed; its answer may still be on its way (<see cref="LaneAnswers"/>).</summary>
        public bool Committed { get; set; }

        public void Fail(Exception reason)
        {
            Chain.Break(reason);
            Done.TrySetException(reason);
        }
    }
}
