using Tollgate.Grains.Budgets;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The answer to an authorize. Allowed: a reservation id to settle with, how the request is funded
/// and the worst-case cost held. Denied: a stable reason code, and for rate limits which limit and
/// when to retry. Either way the limits as they stand, and the tightest of them for <c>x-ratelimit-*</c> headers;
/// and the budgets the request counts against, when the account answered (the account's and its key's).
/// </summary>
public sealed record AuthorizeResponse(
    bool Allowed,
    string RequestId,
    string? ReservationId,
    string? AccountId,
    string? KeyId,
    string? FundedBy,
    long Reserved,
    Price? Price,
    string? Reason,
    string? Message,
    string? Limit,
    long? RetryAfterMs,
    RateLimitHeaders RateLimit,
    IReadOnlyList<LimitState> Limits,
    IReadOnlyList<BudgetState> Budgets)
{
    public static AuthorizeResponse Allow(string requestId, string reservationId, string accountId, string? keyId, string fundedBy, long reserved, Price price,
        IReadOnlyList<LimitState> limits, IReadOnlyList<BudgetState>? budgets) =>
        new(true, requestId, reservationId, accountId, keyId, fundedBy, reserved, price, null, null, null, null, RateLimitHeaders.Of(limits), limits, budgets ?? []);

    public static AuthorizeResponse Deny(string requestId, Denial denial, IReadOnlyList<LimitState> limits, IReadOnlyList<BudgetState>? budgets = null) =>
        new(false, requestId, null, null, null, null, 0, null, denial.Reason, denial.Message, denial.Limit, denial.RetryAfterMs, RateLimitHeaders.Of(limits), limits,
            budgets ?? []);
}

/// <summary>The budgets with the least left, of cost and of tokens: what <c>x-tollgate-budget-{remaining,reset}-{usd,tokens}</c> report.</summary>
public sealed record BudgetHeaders(BudgetState? Cost, BudgetState? Tokens)
{
    public static BudgetHeaders Of(IReadOnlyList<BudgetState> budgets) => new(
        budgets.Where(budget => budget.CapNanoUsd is not null).MinBy(budget => budget.RemainingNanoUsd),
        budgets.Where(budget => budget.CapTokens is not null).MinBy(budget => budget.RemainingTokens));
}

/// <summary>The tightest request and token limits across every scope: what <c>x-ratelimit-{limit,remaining,reset}-{requests,tokens}</c> report.</summary>
public sealed record RateLimitHeaders(LimitState? Requests, LimitState? Tokens)
{
    public static RateLimitHeaders Of(IReadOnlyList<LimitState> limits) => new(
        Tightest(limits, "requests_per_minute"),
        Tightest(limits, "tokens_per_minute", "tokens_per_day"));

    private static LimitState? Tightest(IReadOnlyList<LimitState> limits, params string[] names)
    {
        LimitState? tightest = null;
        foreach (var limit in limits)
        {
            if (names.Contains(limit.Name) && (tightest is null || limit.Remaining < tightest.Remaining)) tightest = limit;
        }
        return tightest;
    }
}
