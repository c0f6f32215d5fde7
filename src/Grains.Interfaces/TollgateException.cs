namespace Tollgate.Grains;

/// <summary>
/// A grain call refused with a stable machine-readable <see cref="Code"/>: bad input or a rule of the
/// domain (the code reaches the HTTP caller unchanged), or a transient failure of the silo that the
/// caller may retry (<see cref="IsTransient"/>). Serialized across the cluster with its code.
/// </summary>
[GenerateSerializer, Alias("tollgate.error")]
public sealed class TollgateException : Exception
{
    public TollgateException(string code, string message, Exception? inner = null) : base(message, inner) => Code = code;

    [Id(0)]
    public string Code { get; private set; }

    /// <summary>True when the same call may succeed if retried (every grain message is idempotent by its id).</summary>
    public bool IsTransient => ErrorCodes.IsTransient(Code);
}

/// <summary>The codes of failures that are not about the request itself.</summary>
public static class ErrorCodes
{
    /// <summary>The call did not complete within its timeout; its effect is unknown (retry with the same id).</summary>
    public const string Timeout = "timeout";

    /// <summary>No silo could serve the grain (after bounded retries).</summary>
    public const string Unavailable = "cluster_unavailable";

    /// <summary>The database did not commit the grain's write; nothing was acknowledged.</summary>
    public const string StorageFailed = "storage_failed";

    /// <summary>
    /// The activation that answered is stale: a newer one of the same grain committed first (its write was
    /// refused by the row's version). The stale activation is gone; a retry reaches the live one.
    /// </summary>
    public const string StaleActivation = "wrong_silo";

    /// <summary>
    /// The activation that answered an admission is gone before a checkpoint held what it counted (see
    /// <c>ILimitedGrain.Checkpointed</c>): the answer is void, and the admission is to be asked again.
    /// </summary>
    public const string AnswerLost = "answer_lost";

    /// <summary>The silo's write queue is full.</summary>
    public const string Overloaded = "overloaded";

    public static bool IsTransient(string code) => code is Timeout or Unavailable or StorageFailed or StaleActivation or Overloaded;
}
