using Tollgate.Grains.Accounts;

namespace Tollgate.Tests.Accounts;

public sealed class TrialTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static Trial Grant(long? credit = null, long? tokens = null, long? requests = null) =>
        new(credit, tokens, requests, 0, 0, 0, Now.AddDays(7), Now, "test");

    [Fact]
    public void A_token_allowance_covers_only_the_share_of_tokens_it_has_left()
    {
        // 1,000 tokens of trial; the request was estimated within it but used 4,000 tokens costing 8,000.
        var (after, covered) = Grant(tokens: 1_000).Use(cost: 8_000, tokens: 4_000);
        Assert.Equal(2_000, covered); // a quarter of the tokens, a quarter of the cost: the rest falls to paid credit
        Assert.Equal(1_000, after.UsedTokens);
        Assert.False(after.IsActive(Now));
        Assert.Equal(0, after.Use(8_000, 4_000).Covered); // used up: covers nothing more
    }

    [Fact]
    public void Each_allowance_limits_what_the_trial_covers()
    {
        Assert.Equal(500, Grant(credit: 500, tokens: 10_000).Use(cost: 2_000, tokens: 100).Covered);
        Assert.Equal(1_000, Grant(credit: 5_000, tokens: 50).Use(cost: 2_000, tokens: 100).Covered);
        Assert.Equal(2_000, Grant(requests: 3).Use(cost: 2_000, tokens: 100).Covered); // free requests are free whatever their size
        Assert.Equal(0, Grant(tokens: 10).Use(cost: 0, tokens: 0).Covered);
    }
}
