namespace Tollgate.Runtime;

/// <summary>
/// A failed grain call with a stable machine-readable <see cref="Code"/>. Grain code throws it to
/// reject a request (the code crosses the wire unchanged); the runtime throws it for its own
/// failures using the codes in <see cref="GrainErrorCodes"/>.
/// </summary>
public class GrainException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;

    /// <summary>For <see cref="GrainErrorCodes.WrongSilo"/>: the silo that now serves the grain, when known.</summary>
    public string? RedirectTo { get; init; }

    /// <summary>True when the same call may succeed if retried later.</summary>
    public bool IsTransient => GrainErrorCodes.IsTransient(Code);
}

public static class GrainErrorCodes
{
    /// <summary>The call did not complete within its timeout; its effect is unknown (retry with the same id).</summary>
    public const string Timeout = "timeout";
    /// <summary>No silo could serve the grain's partition (after bounded retries).</summary>
    public const string Unavailable = "cluster_unavailable";
    /// <summary>The database did not commit the grain's write; nothing was acknowledged.</summary>
    public const string StorageFailed = "storage_failed";
    /// <summary>The silo does not own the grain's partition (the client re-routes).</summary>
    public const string WrongSilo = "wrong_silo";
    public const string UnknownGrainType = "unknown_grain_type";
    public const string UnknownMessage = "unknown_message";
    public const string BadMessage = "bad_message";
    public const string Overloaded = "overloaded";
    public const string Internal = "internal_error";

    public static bool IsTransient(string code) =>
        code is Timeout or Unavailable or StorageFailed or WrongSilo or Overloaded;
}
