using Tollgate.Runtime;

namespace Tollgate.Grains.Limits;

// Rate limits, shared by every limited grain: accounts, API keys, caller IPs and models.

/// <summary>
/// The rate limits of one scope; a null field is unlimited. Requests and tokens are counted over
/// sliding windows (a minute, a day); <see cref="MaxConcurrent"/> bounds requests authorized and
/// not yet settled (or expired).
/// </summary>
public sealed record LimitSettings(long? RequestsPerMinute, long? TokensPerMinute, long? TokensPerDay, int? MaxConcurrent)
{
    public const long MaxRate = 1_000_000_000_000;
    public const int MaxConcurrency = 100_000;

    public static readonly LimitSettings None = new(null, null, null, null);

    /// <summary>Null when the settings are valid, otherwise what is wrong with them.</summary>
    public string? Problem() =>
        RequestsPerMinute is < 1 or > MaxRate || TokensPerMinute is < 1 or > MaxRate || TokensPerDay is < 1 or > MaxRate
            ? $"Rates must be between 1 and {MaxRate} (or null for unlimited)."
            : MaxConcurrent is < 1 or > MaxConcurrency ? $"max_concurrent must be between 1 and {MaxConcurrency} (or null for unlimited)." : null;
}

/// <summary>One limit of one scope as it stands: enough for <c>x-ratelimit-*</c> headers.</summary>
/// <param name="ResetMs">Milliseconds until everything counted now has left the window (0 when nothing is counted).</param>
public sealed record LimitState(string Scope, string Name, long Limit, long Remaining, long ResetMs);

/// <summary>Why a request was denied: a stable <see cref="Reason"/> code, and for rate limits which one and when to retry.</summary>
public sealed record Denial(string Reason, string Message, string? Limit = null, long? RetryAfterMs = null);

/// <summary>
/// A limited grain's answer to an authorize: allowed, or the denial; and its limits after it.
/// <see cref="Held"/>: the grain holds a grant for the request that settle (or a denial elsewhere)
/// must release; false when the scope has no limits, so there is nothing to give back.
/// </summary>
public sealed record Admission(bool Allowed, Denial? Denial, IReadOnlyList<LimitState> Limits, bool Held = false);

/// <summary>Replaces the limits of an account, key, caller IP or model (or the caller IP defaults).</summary>
public sealed record SetLimits(LimitSettings Limits, string Actor) : IGrainRequest<LimitsView>;

public sealed record GetLimits : IGrainRequest<LimitsView>;

/// <summary><see cref="Settings"/> null: the scope uses the defaults (caller IPs only).</summary>
public sealed record LimitsView(string Scope, string Key, LimitSettings? Settings, IReadOnlyList<LimitState> Current);

/// <summary>
/// Gives back what an authorize took for a request: its concurrency slot, and its token estimate
/// corrected to <see cref="TokensUsed"/>. <see cref="Refund"/> (the request was denied elsewhere)
/// also gives back its request count. Idempotent: a second release finds nothing.
/// </summary>
public sealed record ReleaseGrant(string RequestId, long TokensUsed, bool Refund) : IGrainRequest<ReleaseResult>;

public sealed record ReleaseResult(bool Released);

/// <summary>The stable reason codes of a denied authorize.</summary>
public static class Denials
{
    public const string RateLimited = "rate_limited";
    public const string InsufficientCredit = "insufficient_credit";
    public const string TrialExhausted = "trial_exhausted";
    public const string ModelUnknown = "model_unknown";
    public const string KeyRevoked = "key_revoked";
    public const string InvalidApiKey = "invalid_api_key";
    public const string AccountSuspended = "account_suspended";
    public const string AccountNotFound = "account_not_found";
    public const string AlreadySettled = "already_settled";
}

public static class LimitErrors
{
    public const string InvalidLimits = "invalid_limits";
}
