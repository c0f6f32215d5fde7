using Tollgate.Grains.Metering;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// A trial grant and what is used of it (persisted with the account). A null dimension is not
/// limited by the trial. Used before paid credit, and never after <see cref="ExpiresAt"/>.
/// </summary>
internal sealed record Trial(
    long? Credit,
    long? Tokens,
    long? Requests,
    long UsedCredit,
    long UsedTokens,
    long UsedRequests,
    DateTimeOffset ExpiresAt,
    DateTimeOffset GrantedAt,
    string Actor)
{
    /// <summary>Whether the trial can still fund anything: not expired and no dimension used up.</summary>
    public bool IsActive(DateTimeOffset now) =>
        now < ExpiresAt && !(UsedCredit >= Credit) && !(UsedTokens >= Tokens) && !(UsedRequests >= Requests);

    /// <summary>Whether it can fund a request of (at most) <paramref name="cost"/> and <paramref name="tokens"/> on top of what is held on it.</summary>
    public bool CanFund(long cost, long tokens, TrialHolds held, DateTimeOffset now) =>
        now < ExpiresAt
        && !(UsedCredit + held.Credit + cost > Credit)
        && !(UsedTokens + held.Tokens + tokens > Tokens)
        && !(UsedRequests + held.Requests + 1 > Requests);

    /// <summary>
    /// Uses the trial for one request. Each allowance covers the cost as far as it goes, and the rest
    /// falls to paid credit: the credit allowance up to what is left of it, the token allowance the
    /// share of the request's tokens it still has (so a request far over its estimate is not free).
    /// A trial of requests alone covers the whole cost of each. Used-up allowances stay used up.
    /// </summary>
    public (Trial After, long Covered) Use(long cost, long tokens)
    {
        var covered = cost;
        if (Credit is { } credit) covered = Math.Min(covered, Math.Max(0, credit - UsedCredit));
        if (Tokens is { } allowance && tokens > 0)
        {
            var tokensCovered = Math.Clamp(allowance - UsedTokens, 0, tokens);
            covered = Math.Min(covered, (long)((Int128)cost * tokensCovered / tokens));
        }
        var after = this with
        {
            UsedCredit = UsedCredit + covered,
            UsedTokens = Math.Min(UsedTokens + tokens, Tokens ?? long.MaxValue),
            UsedRequests = Math.Min(UsedRequests + 1, Requests ?? long.MaxValue),
        };
        return (after, covered);
    }

    public bool SameGrant(GrantTrial grant) =>
        Credit == grant.Credit && Tokens == grant.Tokens && Requests == grant.Requests && ExpiresAt == grant.ExpiresAt;

    public TrialView View(DateTimeOffset now) => new(Credit, Tokens, Requests, UsedCredit, UsedTokens, UsedRequests, ExpiresAt, GrantedAt, IsActive(now));
}
