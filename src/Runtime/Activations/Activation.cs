using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Runtime.Activations;

/// <summary>
/// One in-memory instance of a grain with its mailbox. Calls run one at a time, in arrival order,
/// on the thread pool; an idle activation holds no thread and no pending task. A call's response
/// is released only after every write the activation made so far has committed, except that a
/// <see cref="IProvisionalRequest"/> that wrote nothing in its turn does not wait for writes that only take away.
/// </summary>
internal sealed class Activation : IGrainContext
{
    private readonly Queue<Call> _mailbox = new();
    private readonly Catalog _catalog;
    private readonly WriteChain _writes;
    private readonly TaskCompletionSource _gone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Status _status = Status.Active;
    private bool _running;
    private bool _activated;
    private Task _lastWrite = Task.CompletedTask;
    private Task _lastGivingWrite = Task.CompletedTask; // the last write not marked onlyTakesAway: provisional answers wait for it
    private long _lastUsed = Environment.TickCount64;
    private long _keepAliveUntil; // Environment.TickCount64; only touched in turns

    public Activation(Catalog catalog, GrainId id, int partition, long epoch, Grain grain)
    {
        _catalog = catalog;
        Id = id;
        Partition = partition;
        Epoch = epoch;
        Grain = grain;
        _writes = new WriteChain(Break);
        grain.Bind(this);
    }

    private enum Status { Active, Deactivating, Gone }

    public GrainId Id { get; }
    public int Partition { get; }
    public long Epoch { get; }
    public Grain Grain { get; }
    public TimeProvider Time => _catalog.Time;
    public NpgsqlDataSource Database => _catalog.Database;

    /// <summary>Completes when this activation has left the catalog; a call refused by it goes to its successor.</summary>
    public Task WhenGone => _gone.Task;

    public long IdleMilliseconds =>
        Environment.TickCount64 < Volatile.Read(ref _keepAliveUntil) ? 0 : Environment.TickCount64 - Volatile.Read(ref _lastUsed);

    public void KeepAliveFor(TimeSpan duration) =>
        Volatile.Write(ref _keepAliveUntil, Math.Max(Volatile.Read(ref _keepAliveUntil), Environment.TickCount64 + (long)duration.TotalMilliseconds));

    public Task Write(GrainWrite write, bool onlyTakesAway)
    {
        var durable = _catalog.Committer.Submit(write, Partition, Epoch, _writes);
        _lastWrite = durable;
        if (!onlyTakesAway) _lastGivingWrite = durable; // writes commit in order: waiting for it waits for every giving write before it
        return durable;
    }

    public Task WritesCommitted() => _lastWrite;

    /// <summary>Queues a call; false when the activation is leaving (the caller retries on its successor).</summary>
    public bool TryEnqueue(Call call)
    {
        lock (_mailbox)
        {
            if (_status != Status.Active) return false;
            _mailbox.Enqueue(call);
            if (_running) return true;
            _running = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static self => _ = self.RunAsync(), this, preferLocal: false);
        return true;
    }

    private async Task RunAsync()
    {
        while (true)
        {
            Call? call;
            lock (_mailbox)
            {
                if (_status == Status.Gone || !_mailbox.TryDequeue(out call))
                {
                    _running = false;
                    return;
                }
            }
            await RunTurnAsync(call).ConfigureAwait(false);
            Volatile.Write(ref _lastUsed, Environment.TickCount64);
        }
    }

    private async Task RunTurnAsync(Call call)
    {
        if (call.IsExpired)
        {
            call.Result.TrySetException(new GrainException(GrainErrorCodes.Timeout, $"The call to {Id} timed out before it started."));
            return;
        }
        Task? writesBefore = null;
        try
        {
            if (!_activated)
            {
                await Grain.OnActivateAsync(CancellationToken.None).ConfigureAwait(false);
                _activated = true;
            }
            writesBefore = _lastWrite;
            var result = await call.Handler.Invoke(Grain, call.Request).ConfigureAwait(false);
            AnswerAfterWrites(call, result, null, writesBefore);
        }
        catch (GrainException ex)
        {
            // A rejection may rest on uncommitted state too (e.g. "already settled"): same rule.
            AnswerAfterWrites(call, null, ex, writesBefore);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            // A database read failed (loading state, a history lookup): transient for the caller, who may retry.
            _catalog.Logger.LogWarning(ex, "A database read of {Grain} failed; the activation is discarded", Id);
            call.Result.TrySetException(new GrainException(GrainErrorCodes.StorageFailed, $"The database could not be read for {Id}; retry.", ex));
            Break(ex);
        }
        catch (Exception ex)
        {
            // Unknown failure: the grain's memory may be half-changed, so discard it.
            _catalog.Logger.LogError(ex, "Call to {Grain} failed; the activation is discarded", Id);
            call.Result.TrySetException(new GrainException(GrainErrorCodes.Internal, $"The call to {Id} failed inside the grain.", ex));
            Break(ex);
        }
    }

    private void AnswerAfterWrites(Call call, object? result, Exception? error, Task? writesBefore)
    {
        var writes = _lastWrite;
        // A provisional request that wrote nothing in its turn waits only for earlier writes that may give something.
        if (call.Request is IProvisionalRequest && ReferenceEquals(writes, writesBefore)) writes = _lastGivingWrite;
        if (writes.IsCompleted)
        {
            Answer(call, writes, result, error);
            return;
        }
        writes.ContinueWith(static (write, state) =>
        {
            var (call, result, error) = ((Call, object?, Exception?))state!;
            Answer(call, write, result, error);
        }, (call, result, error), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static void Answer(Call call, Task writes, object? result, Exception? error)
    {
        if (!writes.IsCompletedSuccessfully) call.Result.TrySetException(writes.Exception?.InnerException ?? new GrainException(GrainErrorCodes.StorageFailed, "A write was not committed."));
        else if (error is not null) call.Result.TrySetException(error);
        else call.Result.TrySetResult(result);
    }

    /// <summary>
    /// Deactivates the activation if it is idle: its last turn flushes state, then it leaves the
    /// catalog. New calls wait for that and go to a fresh activation.
    /// </summary>
    public async Task<bool> TryDeactivateAsync(CancellationToken cancellationToken)
    {
        lock (_mailbox)
        {
            if (_status != Status.Active || _running || _mailbox.Count > 0) return false;
            _status = Status.Deactivating;
            _running = true;
        }
        try
        {
            if (_activated)
            {
                await Grain.OnDeactivateAsync(cancellationToken).ConfigureAwait(false);
                await _lastWrite.ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            _catalog.Logger.LogWarning(ex, "Flushing {Grain} on deactivation failed; its committed state stays authoritative", Id);
        }
        Leave();
        return true;
    }

    /// <summary>Discards the activation without flushing (failed write, lost lease); waiting calls go to a successor.</summary>
    public void Break(Exception reason)
    {
        _catalog.Logger.LogDebug(reason, "Discarding activation {Grain}", Id);
        Leave();
    }

    private void Leave()
    {
        Call[] orphans;
        lock (_mailbox)
        {
            if (_status == Status.Gone) return;
            _status = Status.Gone;
            orphans = [.. _mailbox];
            _mailbox.Clear();
        }
        // The successor loads state from the database: it may do so only once every write of this
        // activation has finished (committed, or failed and so never will), or it could load stale state.
        var writes = _lastWrite;
        if (writes.IsCompleted) Finish(orphans);
        else writes.ContinueWith(static (_, state) => { var (self, orphans) = ((Activation, Call[]))state!; self.Finish(orphans); },
            (this, orphans), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Finish(Call[] orphans)
    {
        _catalog.Remove(this);
        _gone.TrySetResult();
        foreach (var call in orphans) _catalog.Redispatch(Id, call);
    }
}
