using Tollgate.Persistence;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// An account activation's writes in flight, in the order it made them (they commit in that order: one
/// owner, one lane). Tracks the last write, which every answer waits for, and the last write that
/// <em>gives</em> (credit, a trial, the account's creation), which is all a provisional answer waits for.
/// </summary>
internal sealed class AccountWrites(GroupCommitter committer)
{
    private readonly WriteChain _chain = new();

    /// <summary>True once a write failed: memory is ahead of the database and the activation must go.</summary>
    public bool IsBroken => _chain.IsBroken;

    /// <summary>Completes when every write so far has committed; fails if one did not.</summary>
    public Task All { get; private set; } = Task.CompletedTask;

    /// <summary>Completes when every write so far that was not marked <c>onlyTakesAway</c> has committed.</summary>
    public Task Giving { get; private set; } = Task.CompletedTask;

    /// <param name="onlyTakesAway">
    /// The write only takes away (a charge): if it failed, the committed state would grant no less than the
    /// memory its turn left, so a provisional answer (an authorize's hold) need not wait for it.
    /// </param>
    public void Submit(GrainWrite write, bool onlyTakesAway)
    {
        var committed = committer.Submit(write, _chain);
        All = committed;
        if (!onlyTakesAway) Giving = committed; // writes commit in order: waiting for it waits for every giving write before it
    }

    /// <summary>
    /// Lets go of the tasks of writes that have committed. Kept, the last one would stay until the account's next write (seconds to
    /// hours): a young object per settle held by an old account, which the collector marks and copies until it reaches gen 2.
    /// A failed write's task stays: it carries the failure to every answer after it.
    /// </summary>
    public void ForgetCommitted()
    {
        if (All.IsCompletedSuccessfully) All = Task.CompletedTask;
        if (Giving.IsCompletedSuccessfully) Giving = Task.CompletedTask;
    }
}
