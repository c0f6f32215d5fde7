using Tollgate.Grains.Limits;

namespace Tollgate.Tests.Limits;

/// <summary>A limiter's windows and grants carried to a new activation (<see cref="RateLimiter.Export"/>, <see cref="RateLimiter.Import"/>).</summary>
public sealed class LimiterStateTests
{
    private static readonly LimitSettings Limits = new(RequestsPerMinute: 10, TokensPerMinute: 1_000, TokensPerDay: 5_000, MaxConcurrent: 3);

    [Fact]
    public void A_carried_limiter_answers_exactly_as_the_one_it_came_from()
    {
        var before = new RateLimiter("key");
        before.Configure(Limits);
        for (var i = 0; i < 3; i++) Assert.True(before.TryAcquire($"r{i}", 300, expiresAt: 100_000, now: 1_000 * i).Allowed);
        Assert.True(before.Release("r0", 100, refund: false, now: 5_000));

        var after = Carried(before, "key", now: 6_000);

        Assert.Equal(before.State(6_000), after.State(6_000));
        Assert.Equal(before.InFlight, after.InFlight);
        // Both refuse and admit the same next requests, over time.
        foreach (var (request, tokens, now) in new[] { ("x", 400L, 6_000L), ("y", 100L, 7_000L), ("z", 10L, 61_000L), ("w", 900L, 65_000L) })
        {
            var (a, b) = (before.TryAcquire(request, tokens, 200_000, now), after.TryAcquire(request, tokens, 200_000, now));
            Assert.Equal(a.Allowed, b.Allowed);
            Assert.Equal(a.Denial, b.Denial);
            Assert.Equal(a.Limits, b.Limits);
        }
    }

    [Fact]
    public void A_carried_grant_is_released_by_its_settle_and_corrects_its_estimate()
    {
        var before = new RateLimiter("account");
        before.Configure(Limits);
        Assert.True(before.TryAcquire("held", 900, expiresAt: 100_000, now: 0).Allowed);
        var after = Carried(before, "account", now: 1_000);

        Assert.Equal(2, after.State(1_000).Single(l => l.Name == "max_concurrent").Remaining); // the slot is still taken
        Assert.True(after.Release("held", 100, refund: false, now: 2_000));
        Assert.Equal(900, after.State(2_000).Single(l => l.Name == "tokens_per_minute").Remaining); // 1,000 less the 100 used
        Assert.Equal(3, after.State(2_000).Single(l => l.Name == "max_concurrent").Remaining);
    }

    [Fact]
    public void Grants_whose_time_is_up_free_their_slots_and_counts_that_left_the_window_are_dropped()
    {
        var before = new RateLimiter("ip");
        before.Configure(Limits);
        for (var i = 0; i < 3; i++) Assert.True(before.TryAcquire($"r{i}", 100, expiresAt: 30_000, now: 0).Allowed);
        var state = before.Export(now: 0);

        var after = new RateLimiter("ip");
        after.Configure(Limits);
        after.Import(state, now: 90_000); // a minute and a half later: the grants expired, the minute windows emptied
        Assert.Equal(0, after.InFlight);
        Assert.Equal(10, after.State(90_000).Single(l => l.Name == "requests_per_minute").Remaining);
        Assert.Equal(4_700, after.State(90_000).Single(l => l.Name == "tokens_per_day").Remaining); // the day still counts them
    }

    [Fact]
    public void Counts_go_only_into_the_limits_configured_now()
    {
        var before = new RateLimiter("model");
        before.Configure(Limits);
        Assert.True(before.TryAcquire("a", 1_000, 100_000, 0).Allowed);
        var state = before.Export(0);

        var fewer = new RateLimiter("model");
        fewer.Configure(new LimitSettings(RequestsPerMinute: 10, TokensPerMinute: null, TokensPerDay: null, MaxConcurrent: null));
        fewer.Import(state, 1);
        Assert.Equal(9, fewer.State(1).Single().Remaining);

        var none = new RateLimiter("model");
        none.Import(state, 1);
        Assert.Empty(none.State(1));
        Assert.Equal(0, none.InFlight); // a scope without limits holds no grants
    }

    [Fact]
    public void A_window_carried_across_its_whole_ring_keeps_every_bucket()
    {
        var window = new SlidingWindow(limit: 100, windowMs: 60_000, buckets: 60);
        for (var second = 0; second < 60; second++) window.Add(1, second * 1_000);
        var copy = new SlidingWindow(limit: 100, windowMs: 60_000, buckets: 60);
        copy.Import(window.Export(59_500), 59_500);
        for (var now = 59_500L; now <= 121_000; now += 500)
            Assert.Equal(window.Remaining(now), copy.Remaining(now));
    }

    [Fact]
    public void A_sparse_window_is_carried_from_its_oldest_counted_bucket()
    {
        var window = new SlidingWindow(limit: 100, windowMs: 60_000, buckets: 60);
        window.Add(3, 40_000);
        window.Add(2, 42_500);
        var state = window.Export(45_000);
        Assert.Equal([3, 0, 2, 0, 0, 0], state.Counts); // buckets 40 to 45
        var copy = new SlidingWindow(limit: 100, windowMs: 60_000, buckets: 60);
        copy.Import(state, 45_000);
        for (var now = 45_000L; now <= 104_000; now += 500) Assert.Equal(window.Remaining(now), copy.Remaining(now));
        Assert.Empty(new SlidingWindow(limit: 100, windowMs: 60_000, buckets: 60).Export(45_000).Counts);
    }

    private static RateLimiter Carried(RateLimiter from, string scope, long now)
    {
        var to = new RateLimiter(scope);
        to.Configure(from.Settings);
        to.Import(from.Export(now), now);
        return to;
    }
}
