using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Persistence;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// An account activation's hold on its row: reads, and writes fenced by the version it read, committed in order
/// through the group committer (<see cref="AccountWrites"/>). It runs each call's turn and answers once what the
/// answer rests on has committed.
/// <para>
/// When a write fails, memory is ahead of the database. If another activation wrote first (the version fence
/// refused it), this one is stale: it deactivates, and the caller's retry reaches the live one. Any other failure
/// (the database refused the write, or could not be reached) costs only what was not committed: the row is read
/// again and handed to the owner's <see cref="IRowOwner.Reload"/>, which keeps the holds and rate windows in memory; calls wait meanwhile.
/// Discarding the activation instead would hand its holds and windows out again.
/// </para>
/// </summary>
internal sealed class AccountRow(AccountRow.IRowOwner owner)
{
    /// <summary>
    /// The activation a row serves, and what it writes and reads through: asked of it rather than kept twice (an idle account is
    /// mostly its fixed cost, and every reference counts a million times).
    /// </summary>
    public interface IRowOwner
    {
        string AccountId { get; }

        GroupCommitter Committer { get; }

        NpgsqlDataSource Database { get; }

        ILogger Logger { get; }

        /// <summary>This activation is stale or cannot be trusted any more: it goes.</summary>
        void Deactivate();

        /// <summary>Takes the committed row (null: there is none) after a failed write, keeping the holds and windows in memory.</summary>
        void Reload(StoredAccount? committed);
    }

    private AccountWrites? _writes; // made with the first write: an idle account writes nothing
    private Task? _resync; // reading the committed row again after a failed write; calls wait for it
    private bool _stale; // another activation wrote first: this one answers nothing more and goes

    /// <summary>The version the next write is fenced by: the stored one, as this activation knows it (0: no row).</summary>
    public long Version { get; set; }

    /// <summary>Whether memory is the truth: no write failed and the activation is not stale.</summary>
    public bool IsTrustworthy => !_stale && _writes?.IsBroken != true && _resync is null;

    /// <summary>Queues a write over the current version, which moves on; it commits after every earlier one.</summary>
    /// <param name="onlyTakesAway">See <see cref="AccountWrites.Submit"/>.</param>
    public void Write(Func<long, GrainWrite> write, bool onlyTakesAway) => (_writes ??= new AccountWrites(owner.Committer)).Submit(write(Version++), onlyTakesAway);

    /// <summary>Completes when every write so far has committed; a failure is handled as any failed write (see the class).</summary>
    public Task AllCommittedAsync() => CommittedAsync(AllWrites);

    private Task AllWrites => _writes?.All ?? Task.CompletedTask;

    /// <summary>Waits for the writes in flight, whatever their outcome (before the activation goes).</summary>
    public async Task DrainAsync()
    {
        try
        {
            await AllWrites;
        }
        catch (CommitFailedException)
        {
        }
    }

    /// <summary>Waits while the row is read again after a failed write; throws if that failed or if the activation is stale.</summary>
    public Task ReadyAsync() =>
        _stale ? Task.FromException(new TollgateException(ErrorCodes.StaleActivation, $"This activation of account '{owner.AccountId}' is stale and going; retry."))
        : _resync ?? Task.CompletedTask;

    /// <summary>
    /// Runs a call's turn (its state change, with no await inside) and answers once the writes the answer rests
    /// on have committed: every write so far, or for a <paramref name="provisional"/> answer that wrote nothing
    /// itself, only those that give. A refusal rests on memory too ("already settled"), so it waits the same.
    /// </summary>
    public async Task<T> AnswerAsync<T>(Func<T> turn, bool provisional)
    {
        await ReadyAsync();
        var before = AllWrites;
        T result = default!;
        TollgateException? refusal = null;
        try
        {
            result = turn();
        }
        catch (TollgateException ex)
        {
            refusal = ex;
        }
        catch
        {
            // A bug: memory may be half-changed, so this activation must not serve another call.
            owner.Deactivate();
            throw;
        }
        await CommittedAsync(provisional && ReferenceEquals(AllWrites, before) ? _writes?.Giving ?? Task.CompletedTask : AllWrites);
        _writes?.ForgetCommitted();
        if (refusal is not null) throw refusal;
        return result;
    }

    /// <summary>A database read; an outage is a retryable error for the caller, and memory is untouched.</summary>
    public async Task<T> ReadAsync<T>(Func<NpgsqlDataSource, Task<T>> read)
    {
        try
        {
            return await read(owner.Database);
        }
        catch (NpgsqlException ex)
        {
            owner.Logger.LogWarning(ex, "A database read of account {Account} failed", owner.AccountId);
            throw new TollgateException(ErrorCodes.StorageFailed, $"The database could not be read for account '{owner.AccountId}'; retry.");
        }
    }

    /// <summary>Waits for writes; if one failed, the activation goes (stale) or reads its row again, and the caller gets a retryable error.</summary>
    private async Task CommittedAsync(Task writes)
    {
        try
        {
            await writes;
        }
        catch (CommitFailedException ex)
        {
            if (ex.Failure == CommitFailure.Conflict)
            {
                _stale = true;
                owner.Deactivate();
                owner.Logger.LogWarning("A write of account {Account} was refused by its version: this activation is stale and goes", owner.AccountId);
            }
            else if (_resync is null || _resync.IsCompletedSuccessfully)
            {
                _resync = ResyncAsync();
            }
            throw new TollgateException(ex.Failure switch
            {
                CommitFailure.Conflict => ErrorCodes.StaleActivation,
                CommitFailure.Overloaded => ErrorCodes.Overloaded,
                _ => ErrorCodes.StorageFailed,
            }, $"The write of account '{owner.AccountId}' was not committed ({ex.Message}); retry with the same id.");
        }
    }

    private async Task ResyncAsync()
    {
        await DrainAsync(); // the rest of the broken chain fails without running
        try
        {
            var stored = await ReadAsync(db => AccountStore.LoadAsync(db, owner.AccountId));
            _writes = null; // a new chain, not broken
            Version = stored?.Version ?? 0;
            owner.Reload(stored);
            owner.Logger.LogWarning("Account {Account} reloaded its committed state after a failed write; its holds and rate windows stay", owner.AccountId);
            _resync = null;
        }
        catch (TollgateException)
        {
            owner.Deactivate(); // the database cannot be read either: this activation cannot be trusted any more
            throw;
        }
    }
}
