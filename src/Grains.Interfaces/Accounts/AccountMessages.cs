
namespace Tollgate.Grains.Accounts;

// Messages of the account grain. Amounts are nano-USD (see Credits). Every message is idempotent:
// creation by account id, reservation and settlement by request id, adjustment by idempotency key.

/// <summary>
/// Creates the account; the initial credit is posted as an adjustment. Repeating the same creation
/// returns the account; creating it again with other settings fails with account_exists.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CreateAccount([property: Id(0)] long OverdraftLimit, [property: Id(1)] long InitialCredit, [property: Id(2)] string Actor);

/// <summary>Reads the balance and one page of the ledger, newest first, before entry id <see cref="LedgerBefore"/> if given.</summary>
[GenerateSerializer, Immutable]
public sealed record GetAccount([property: Id(0)] int LedgerLimit, [property: Id(1)] long? LedgerBefore);

/// <summary>Releases a reservation without charging (the upstream call was never made).</summary>
[GenerateSerializer, Immutable]
public sealed record VoidReservation([property: Id(0)] string RequestId);

/// <summary>An operator's credit (positive) or debit (negative) with a reason, an actor and an idempotency key.</summary>
[GenerateSerializer, Immutable]
public sealed record AdjustCredit([property: Id(0)] long Amount, [property: Id(1)] string Reason, [property: Id(2)] string Actor, [property: Id(3)] string IdempotencyKey);

[GenerateSerializer]
public sealed record VoidResult([property: Id(0)] string RequestId, [property: Id(1)] bool Released, [property: Id(2)] long Amount);

[GenerateSerializer]
public sealed record AdjustResult([property: Id(0)] string IdempotencyKey, [property: Id(1)] long Amount, [property: Id(2)] long BalanceAfter, [property: Id(3)] string Reason, [property: Id(4)] string Actor);

[GenerateSerializer]
public sealed record AccountSnapshot(
    [property: Id(0)] string AccountId,
    [property: Id(1)] string Status,
    [property: Id(2)] long Balance,
    [property: Id(3)] long Pending,
    [property: Id(4)] long Available,
    [property: Id(5)] long OverdraftLimit,
    [property: Id(6)] int ActiveReservations,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] TrialView? Trial,
    [property: Id(9)] Limits.LimitSettings Limits,
    [property: Id(10)] IReadOnlyList<LedgerEntry> Ledger,
    [property: Id(11)] long? LedgerNextBefore,
    [property: Id(12)] string TimeZone = Budgets.TimeZones.Utc,
    [property: Id(13)] IReadOnlyList<Budgets.BudgetState>? Budgets = null,
    [property: Id(14)] Alerts.AlertSettings? Alerts = null);

[GenerateSerializer]
public sealed record LedgerEntry(
    [property: Id(0)] long EntryId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Key,
    [property: Id(3)] long Amount,
    [property: Id(4)] long BalanceAfter,
    [property: Id(5)] long Requested,
    [property: Id(6)] long? Reserved,
    [property: Id(7)] string? Reason,
    [property: Id(8)] string? Actor,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] IReadOnlyList<Grants.GrantDelta>? Grants = null);

/// <summary>Error codes the account grain rejects calls with.</summary>
public static class AccountErrors
{
    public const string NotFound = "account_not_found";
    public const string Exists = "account_exists";
    public const string InvalidAmount = "invalid_amount";
    public const string InvalidArgument = "invalid_argument";
    public const string IdempotencyConflict = "idempotency_conflict";
    public const string InsufficientCredit = "insufficient_credit";
    public const string BalanceLimit = "balance_limit_exceeded";
    public const string InvalidTrial = "invalid_trial";
    public const string InvalidStatus = "invalid_status";
    public const string InvalidTimeZone = "invalid_time_zone";
}

/// <summary>Bounds of the account messages, checked by the grain and by the gateway.</summary>
public static class AccountLimits
{
    public const int MaxReservationTtlSeconds = 3600;

    /// <summary>Renewals never keep a hold (or a limit's grant) more than this long after its authorize: a day.</summary>
    public const int MaxHoldLifetimeSeconds = 86_400;
    public const int MaxLedgerPage = 500;
}

/// <summary>
/// Grants a trial: free credit and/or tokens and/or requests, used before paid credit until
/// <see cref="ExpiresAt"/>. Replaces any earlier trial; repeating the same grant changes nothing.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GrantTrial([property: Id(0)] long? Credit, [property: Id(1)] long? Tokens, [property: Id(2)] long? Requests, [property: Id(3)] DateTimeOffset ExpiresAt, [property: Id(4)] string Actor);

/// <summary>Suspends (every authorize is denied with account_suspended) or reactivates an account.</summary>
[GenerateSerializer, Immutable]
public sealed record SetAccountStatus([property: Id(0)] string Status, [property: Id(1)] string Actor);

/// <summary>Sets the IANA time zone the account's calendar budgets follow; null is UTC.</summary>
[GenerateSerializer, Immutable]
public sealed record SetAccountTimeZone([property: Id(0)] string? TimeZone, [property: Id(1)] string Actor);

/// <summary>A trial grant and how much of it is used; a null dimension is not limited by the trial.</summary>
[GenerateSerializer]
public sealed record TrialView(
    [property: Id(0)] long? Credit,
    [property: Id(1)] long? Tokens,
    [property: Id(2)] long? Requests,
    [property: Id(3)] long UsedCredit,
    [property: Id(4)] long UsedTokens,
    [property: Id(5)] long UsedRequests,
    [property: Id(6)] DateTimeOffset ExpiresAt,
    [property: Id(7)] DateTimeOffset GrantedAt,
    [property: Id(8)] bool Active);

public static class AccountStatus
{
    public const string Active = "active";
    public const string Suspended = "suspended";
}
