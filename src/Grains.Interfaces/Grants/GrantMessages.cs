namespace Tollgate.Grains.Grants;

// An account's credit is a set of grants: each an amount that charges draw from (in priority order, then soonest
// expiry), from when it takes effect until it expires; what is left at expiry is written off on the ledger.

/// <summary>
/// Grants credit to the account, once per <see cref="GrantId"/> (its idempotency key): a repeat with the same
/// grant answers it again, another grant under the same id is a conflict. <see cref="Priority"/> 0 to 100, lower
/// drawn first (50 by default); <see cref="EffectiveAt"/> now when null; <see cref="ExpiresAt"/> null never expires.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CreateGrant(
    [property: Id(0)] string GrantId,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Kind,
    [property: Id(3)] int Priority,
    [property: Id(4)] DateTimeOffset? EffectiveAt,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] string? Reason,
    [property: Id(7)] string Actor)
{
    /// <summary>Null when the grant is valid at <paramref name="now"/>, otherwise the error code and what is wrong (the gateway and the grain both check).</summary>
    public (string Code, string Message)? Problem(DateTimeOffset now) =>
        !GrantRules.IsId(GrantId) ? (GrantErrors.InvalidGrant, GrantRules.IdRule)
        : Amount is < 1 or > Credits.MaxAmount ? (GrantErrors.InvalidGrant, $"A grant's amount is 1 to {Credits.MaxAmount} nano-USD.")
        : Kind is not (GrantKinds.Paid or GrantKinds.Promotional) ? (GrantErrors.InvalidGrant, $"A grant's kind is '{GrantKinds.Paid}' or '{GrantKinds.Promotional}'.")
        : Priority is < GrantRules.MinPriority or > GrantRules.MaxPriority ? (GrantErrors.InvalidGrant, $"A grant's priority is {GrantRules.MinPriority} to {GrantRules.MaxPriority}; lower is drawn first.")
        : ExpiresAt is { } expires && expires <= (EffectiveAt ?? now) ? (GrantErrors.InvalidGrant, "A grant must expire after it takes effect (and in the future).")
        : null;
}

/// <summary>Voids a grant nothing was drawn from yet: its whole amount leaves the balance by a ledger row.</summary>
[GenerateSerializer, Immutable]
public sealed record VoidGrant([property: Id(0)] string GrantId, [property: Id(1)] string Actor);

/// <summary>
/// One grant as it stands. <see cref="Status"/>: <c>pending</c> (not effective yet), <c>active</c>, <c>used</c> (nothing left),
/// <c>expired</c> (its rest written off) or <c>voided</c>.
/// </summary>
[GenerateSerializer]
public sealed record GrantView(
    [property: Id(0)] string GrantId,
    [property: Id(1)] string Kind,
    [property: Id(2)] long Amount,
    [property: Id(3)] long Remaining,
    [property: Id(4)] int Priority,
    [property: Id(5)] DateTimeOffset EffectiveAt,
    [property: Id(6)] DateTimeOffset? ExpiresAt,
    [property: Id(7)] string Status,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] string Actor,
    [property: Id(10)] string? Reason,
    [property: Id(11)] DateTimeOffset? ClosedAt);

/// <summary>What a ledger entry did to one grant, or with a null <see cref="GrantId"/> to the account's debt; an entry's deltas add up to its amount.</summary>
[GenerateSerializer]
public sealed record GrantDelta([property: Id(0)] string? GrantId, [property: Id(1)] long Amount);

public static class GrantKinds
{
    public const string Paid = "paid";
    public const string Promotional = "promotional";
}

public static class GrantStatus
{
    public const string Pending = "pending";
    public const string Active = "active";
    public const string Used = "used";
    public const string Expired = "expired";
    public const string Voided = "voided";
}

/// <summary>Error codes of grants.</summary>
public static class GrantErrors
{
    public const string InvalidGrant = "invalid_grant";
    public const string NotFound = "grant_not_found";
    public const string GrantUsed = "grant_used";
    public const string TooManyGrants = "too_many_grants";
}

public static class GrantRules
{
    public const int MinPriority = 0;
    public const int MaxPriority = 100;
    public const int DefaultPriority = 50;

    /// <summary>Open grants (not used up, expired or voided) an account may have at once: each is drawn from in memory.</summary>
    public const int MaxOpen = 1_000;

    public const string IdRule = "A grant id is 1 to 128 characters of letters, digits and . _ : @ -";

    public static bool IsId(string? id) =>
        id is { Length: >= 1 and <= 128 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-');
}
