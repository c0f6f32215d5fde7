namespace Tollgate.Persistence;

/// <summary>Why a grain write was not committed.</summary>
public enum CommitFailure
{
    /// <summary>A guarded statement changed no row: the write was computed from stale state (a stale or duplicate activation, or a repeat).</summary>
    Conflict,

    /// <summary>The database refused a statement (a constraint): the write can never commit as it is.</summary>
    Refused,

    /// <summary>An earlier write of the same activation failed, so this one, computed on top of it, was not tried.</summary>
    ChainBroken,

    /// <summary>The database could not be reached, or the outcome of the commit could not be learned.</summary>
    Unavailable,

    /// <summary>The lane's queue was full; nothing was tried.</summary>
    Overloaded,
}

/// <summary>A grain write that was not committed (see <see cref="Failure"/>); nothing of it was applied.</summary>
public sealed class CommitFailedException(CommitFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public CommitFailure Failure { get; } = failure;
}
