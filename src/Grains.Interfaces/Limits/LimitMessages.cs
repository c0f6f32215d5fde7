
namespace Tollgate.Grains.Limits;

// Rate limits, shared by every limited grain: accounts, API keys, caller IPs and models.

/// <summary>
/// The rate limits of one scope; a null field is unlimited. Requests and tokens are counted over
/// sliding windows (a minute, a day); <see cref="MaxConcurrent"/> bounds requests authorized and
/// not yet settled (or expired).
/// </summary>
[GenerateSerializer]
public sealed record LimitSettings([property: Id(0)] long? RequestsPerMinute, [property: Id(1)] long? TokensPerMinute, [property: Id(2)] long? TokensPerDay, [property: Id(3)] int? MaxConcurrent)
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
[GenerateSerializer, Immutable]
public sealed record LimitState([property: Id(0)] string Scope, [property: Id(1)] string Name, [property: Id(2)] long Limit, [property: Id(3)] long Remaining, [property: Id(4)] long ResetMs);

/// <summary>Why a request was denied: a stable <see cref="Reason"/> code, and for rate limits which one and when to retry.</summary>
[GenerateSerializer, Immutable]
public sealed record Denial([property: Id(0)] string Reason, [property: Id(1)] string Message, [property: Id(2)] string? Limit = null, [property: Id(3)] long? RetryAfterMs = null);

/// <summary>
/// A limited grain's answer to an authorize: allowed, or the denial; and its limits after it.
/// <see cref="Held"/>: the grain holds a grant for the request that settle (or a denial elsewhere)
/// must release; false when the scope has no limits, so there is nothing to give back.
/// <see cref="AwaitsCheckpoint"/>: what it counted puts more than the loss budget at stake, so the answer may be acted
/// on only once <see cref="ILimitedGrain.Checkpointed"/> for it has completed (a gateway does so: <c>LimitedCalls.Durably</c>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Admission(
    [property: Id(0)] bool Allowed, [property: Id(1)] Denial? Denial, [property: Id(2)] IReadOnlyList<LimitState> Limits, [property: Id(3)] bool Held = false,
    [property: Id(4)] CheckpointMark? AwaitsCheckpoint = null);

/// <summary>
/// What an answer counted, as the activation that answered numbers its changes: a checkpoint of
/// <see cref="Activation"/> holding change <see cref="Change"/> holds it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CheckpointMark([property: Id(0)] long Activation, [property: Id(1)] long Change);

/// <summary>Replaces the limits of an account, key, caller IP or model (or the caller IP defaults).</summary>
[GenerateSerializer, Immutable]
public sealed record SetLimits([property: Id(0)] LimitSettings Limits, [property: Id(1)] string Actor);

/// <summary><see cref="Settings"/> null: the scope uses the defaults (caller IPs only).</summary>
[GenerateSerializer]
public sealed record LimitsView([property: Id(0)] string Scope, [property: Id(1)] string Key, [property: Id(2)] LimitSettings? Settings, [property: Id(3)] IReadOnlyList<LimitState> Current);

/// <summary>
/// Gives back what an authorize took for a request: its concurrency slot, and its token estimate
/// corrected to <see cref="TokensUsed"/>. <see cref="Refund"/> (the request was denied elsewhere)
/// also gives back its request count. Idempotent: a second release finds nothing.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ReleaseGrant([property: Id(0)] string RequestId, [property: Id(1)] long TokensUsed, [property: Id(2)] bool Refund);

[GenerateSerializer]
public sealed record ReleaseResult([property: Id(0)] bool Released);

/// <summary>
/// Keeps a request's grant (and at an account, its credit hold) while the request still runs: it then lasts at least
/// <see cref="TtlSeconds"/> (1 to 3600) from now, and never more than a day after its authorize. Never shortens one,
/// never brings back one that ended: a repeat changes nothing, so a retry is harmless.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RenewGrant([property: Id(0)] string RequestId, [property: Id(1)] int TtlSeconds);

/// <summary><see cref="Renewed"/>: the grain still holds the request's grant (or hold); false once it ended (settled, voided, expired) or if it never had one.</summary>
[GenerateSerializer]
public sealed record RenewResult([property: Id(0)] bool Renewed);

/// <summary>What a <see cref="LimitHit"/> counts.</summary>
[GenerateSerializer]
public enum HitUnit
{
    Requests,
    Tokens,
}

/// <summary>
/// Counts <see cref="Hits"/> requests, or tokens, against a scope's windows now, with no grant: nothing is held, nothing
/// settles (Envoy's rate-limit service). Requests are admitted whole or not at all, as an authorize's are. Tokens are a
/// charge for what a request used: counted whether or not they fit, and the answer says whether they did. Zero hits only
/// ask: refused once the window has nothing left. <c>max_concurrent</c> does not apply (a hit has no duration).
/// <see cref="Defaults"/>: a caller IP's limits when it has none of its own (the cluster's IP defaults).
/// <see cref="SecretHash"/>: an API key's secret, verified before anything is counted; <see cref="Model"/>: checked
/// against the key's models. A repeat counts again (there is no grant to find): a retry can only over-count.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LimitHit(
    [property: Id(0)] string HitId, [property: Id(1)] HitUnit Unit, [property: Id(2)] long Hits, [property: Id(3)] LimitSettings? Defaults = null,
    [property: Id(4)] string? SecretHash = null, [property: Id(5)] string? Model = null);

/// <param name="At">When the hit was counted (Unix milliseconds): what <see cref="HitTakeBack"/> names.</param>
/// <param name="AccountId">An API key's account, once its secret verified.</param>
[GenerateSerializer]
public sealed record HitResult([property: Id(0)] Admission Admission, [property: Id(1)] long At, [property: Id(2)] string? AccountId = null);

/// <summary>
/// Takes back the requests a <see cref="LimitHit"/> counted at <see cref="At"/>, when another scope refused the request
/// (as an authorize gives back what a denied request took). Idempotent by <see cref="HitId"/>; ignored once the hit's
/// bucket has left the window.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HitTakeBack([property: Id(0)] string HitId, [property: Id(1)] long At, [property: Id(2)] long Requests);

/// <summary>The stable reason codes of a denied authorize.</summary>
public static class Denials
{
    public const string RateLimited = "rate_limited";
    public const string InsufficientCredit = "insufficient_credit";
    public const string TrialExhausted = "trial_exhausted";
    public const string BudgetExceeded = "budget_exceeded";
    public const string ModelUnknown = "model_unknown";
    public const string ModelNotRouted = "model_not_routed";
    public const string KeyRevoked = "key_revoked";
    public const string ModelNotAllowed = "model_not_allowed";
    public const string InvalidApiKey = "invalid_api_key";
    public const string AccountSuspended = "account_suspended";
    public const string AccountNotFound = "account_not_found";
    public const string AlreadySettled = "already_settled";
}

public static class LimitErrors
{
    public const string InvalidLimits = "invalid_limits";
}
