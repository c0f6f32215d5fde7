using Npgsql;
using Tollgate.Persistence;

namespace Tollgate.Grains.Limits;

/// <summary>
/// One grain's row of <c>limit_windows</c> as its activation sees it: the version its next checkpoint is fenced by,
/// and the chain that keeps its checkpoints in order through the group committer.
/// </summary>
internal sealed class WindowTable(string grain, GroupCommitter committer, NpgsqlDataSource database)
{
    private WriteChain _chain = new();
    private bool _stale; // another activation checkpointed first: this one writes nothing more

    /// <summary>The stored version this activation writes over (0: no row yet; null: not read yet); carried by a migration.</summary>
    public long? Version { get; set; }

    public async Task<LimiterState?> ReadAsync()
    {
        (var state, Version) = await WindowStore.LoadAsync(database, grain);
        return state;
    }

    /// <summary>Commits a checkpoint; a version conflict means another activation wrote since: <paramref name="onStale"/>, then a retryable error.</summary>
    public async Task WriteAsync(LimiterState state, Action onStale)
    {
        if (_stale) throw Stale();
        try
        {
            Version ??= (await WindowStore.LoadAsync(database, grain)).Version;
        }
        catch (NpgsqlException ex)
        {
            throw new TollgateException(ErrorCodes.StorageFailed, $"The windows of {grain} were not checkpointed ({ex.Message}).");
        }
        try
        {
            var expected = Version.Value;
            await committer.Submit(WindowStore.Save(grain, expected, state), _chain);
            Version = expected + 1; // only once committed: a refused write must not move this activation's fence onto the live one's
        }
        catch (CommitFailedException ex) when (ex.Failure == CommitFailure.Conflict)
        {
            _stale = true;
            onStale();
            throw Stale();
        }
        catch (CommitFailedException ex)
        {
            // Not committed, or not known to be: start again from the stored version, with a chain that is not broken.
            _chain = new WriteChain();
            Version = null; // read again before the next one
            throw new TollgateException(ErrorCodes.StorageFailed, $"The windows of {grain} were not checkpointed ({ex.Message}).");
        }
    }

    private TollgateException Stale() => new(ErrorCodes.StaleActivation, $"Another activation of {grain} checkpointed its windows first.");
}
