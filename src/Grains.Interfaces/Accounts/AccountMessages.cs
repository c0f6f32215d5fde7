using Tollgate.Runtime;

namespace Tollgate.Grains.Accounts;

// Messages of the account grain. Amounts are nano-USD (see Credits). Every message is idempotent:
// creation by account id, reservation and settlement by request id, adjustment by idempotency key.

/// <summary>
/// Creates the account; the initial credit is posted as an adjustment. Repeating the same creation
/// returns the account; creating it again with other settings fails with account_exists.
/// </summary>
public sealed record CreateAccount(long OverdraftLimit, long InitialCredit, string Actor) : IGrainRequest<AccountSnapshot>;

/// <summary>Reads the balance and one page of the ledger, newest first, before entry id <see cref="LedgerBefore"/> if given.</summary>
public sealed record GetAccount(int LedgerLimit, long? LedgerBefore) : IGrainRequest<AccountSnapshot>;

/// <summary>Holds <see cref="Amount"/> of the available balance for a request until it is settled, voided or expires.</summary>
public sealed record ReserveCredit(string RequestId, long Amount, int TtlSeconds) : IGrainRequest<ReserveResult>;

/// <summary>Charges a request's actual cost and releases the rest of its reservation.</summary>
public sealed record SettleCredit(string RequestId, long ActualCost) : IGrainRequest<SettleResult>;

/// <summary>Releases a reservation without charging (the upstream call was never made).</summary>
public sealed record VoidReservation(string RequestId) : IGrainRequest<VoidResult>;

/// <summary>An operator's credit (positive) or debit (negative) with a reason, an actor and an idempotency key.</summary>
public sealed record AdjustCredit(long Amount, string Reason, string Actor, string IdempotencyKey) : IGrainRequest<AdjustResult>;

public sealed record ReserveResult(bool Granted, string? Denial, string RequestId, long Amount, long Available, DateTimeOffset? ExpiresAt)
{
    public const string InsufficientCredit = "insufficient_credit";
    public const string AlreadySettled = "already_settled";
}

/// <summary>
/// <see cref="Charged"/> is what the balance lost; <see cref="Uncollected"/> the part of the actual
/// cost beyond what the overdraft policy allowed. <see cref="Reserved"/> is 0 when the reservation
/// had expired or was unknown (a late settlement).
/// </summary>
public sealed record SettleResult(string RequestId, long Reserved, long ActualCost, long Charged, long Uncollected, long BalanceAfter);

public sealed record VoidResult(string RequestId, bool Released, long Amount);

public sealed record AdjustResult(string IdempotencyKey, long Amount, long BalanceAfter, string Reason, string Actor);

public sealed record AccountSnapshot(
    string AccountId,
    string Status,
    long Balance,
    long Pending,
    long Available,
    long OverdraftLimit,
    int ActiveReservations,
    DateTimeOffset CreatedAt,
    TrialView? Trial,
    Limits.LimitSettings Limits,
    IReadOnlyList<LedgerEntry> Ledger,
    long? LedgerNextBefore);

public sealed record LedgerEntry(
    long EntryId,
    string Kind,
    string Key,
    long Amount,
    long BalanceAfter,
    long Requested,
    long? Reserved,
    string? Reason,
    string? Actor,
    DateTimeOffset CreatedAt);

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
}

/// <summary>Bounds of the account messages, checked by the grain and by the gateway.</summary>
public static class AccountLimits
{
    public const int MaxReservationTtlSeconds = 3600;
    public const int MaxLedgerPage = 500;
}

/// <summary>
/// Grants a trial: free credit and/or tokens and/or requests, used before paid credit until
/// <see cref="ExpiresAt"/>. Replaces any earlier trial; repeating the same grant changes nothing.
/// </summary>
public sealed record GrantTrial(long? Credit, long? Tokens, long? Requests, DateTimeOffset ExpiresAt, string Actor) : IGrainRequest<AccountSnapshot>;

/// <summary>Suspends (every authorize is denied with account_suspended) or reactivates an account.</summary>
public sealed record SetAccountStatus(string Status, string Actor) : IGrainRequest<AccountSnapshot>;

/// <summary>A trial grant and how much of it is used; a null dimension is not limited by the trial.</summary>
public sealed record TrialView(
    long? Credit,
    long? Tokens,
    long? Requests,
    long UsedCredit,
    long UsedTokens,
    long UsedRequests,
    DateTimeOffset ExpiresAt,
    DateTimeOffset GrantedAt,
    bool Active);

public static class AccountStatus
{
    public const string Active = "active";
    public const string Suspended = "suspended";
}
