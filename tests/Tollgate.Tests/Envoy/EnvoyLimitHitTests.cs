using Tollgate.Grains.Limits;

namespace Tollgate.Tests.Envoy;

/// <summary>The limiter's side of Envoy's rate-limit service: hits of requests or tokens counted with no grant.</summary>
public sealed class EnvoyLimitHitTests
{
    private static readonly LimitSettings Limits = new(RequestsPerMinute: 3, TokensPerMinute: 100, TokensPerDay: 1_000, MaxConcurrent: 1);

    [Fact]
    public void Requests_are_counted_only_when_they_fit_and_take_no_concurrency_slot()
    {
        var limiter = new RateLimiter("key");
        limiter.Configure(Limits);
        Assert.True(limiter.Hit(HitUnit.Requests, 2, now: 0, out _).Allowed);
        var denied = limiter.Hit(HitUnit.Requests, 2, now: 0, out _); // 2 more do not fit in 3: nothing counted
        Assert.Equal(("key.requests_per_minute", 1L), (denied.Denial!.Limit, Remaining(limiter, "requests_per_minute")));
        Assert.True(denied.Denial.RetryAfterMs > 0);
        Assert.True(limiter.Hit(HitUnit.Requests, 1, now: 0, out _).Allowed);
        Assert.Equal(0, limiter.InFlight); // max_concurrent 1 did not apply, and nothing is held
        Assert.Equal(100, Remaining(limiter, "tokens_per_minute")); // requests count no tokens
    }

    [Fact]
    public void Tokens_are_counted_even_past_the_limit_and_the_answer_says_they_did_not_fit()
    {
        var limiter = new RateLimiter("model");
        limiter.Configure(Limits);
        Assert.True(limiter.Hit(HitUnit.Tokens, 90, now: 0, out _).Allowed);
        var over = limiter.Hit(HitUnit.Tokens, 30, now: 0, out _);
        Assert.Equal("model.tokens_per_minute", over.Denial!.Limit);
        Assert.Equal((0L, 880L), (Remaining(limiter, "tokens_per_minute"), Remaining(limiter, "tokens_per_day"))); // all 120 counted
        Assert.Equal(3, Remaining(limiter, "requests_per_minute"));
    }

    [Fact]
    public void Zero_hits_count_nothing_and_are_refused_once_nothing_is_left()
    {
        var limiter = new RateLimiter("ip");
        limiter.Configure(Limits);
        Assert.True(limiter.Hit(HitUnit.Tokens, 0, now: 0, out _).Allowed);
        Assert.Equal(0, limiter.Changes);
        limiter.Hit(HitUnit.Tokens, 100, now: 0, out _);
        Assert.False(limiter.Hit(HitUnit.Tokens, 0, now: 0, out _).Allowed); // the minute is used up
        Assert.True(limiter.Hit(HitUnit.Requests, 0, now: 0, out _).Allowed); // a request unit still has room
    }

    [Fact]
    public void A_scope_without_limits_admits_from_a_lookup_and_a_taken_back_hit_frees_its_requests()
    {
        var unlimited = new RateLimiter("account");
        Assert.True(unlimited.Hit(HitUnit.Requests, 5, now: 0, out _).Allowed);
        Assert.Equal((0L, 0), (unlimited.Changes, unlimited.State(0).Count));

        var limiter = new RateLimiter("account");
        limiter.Configure(Limits);
        limiter.Hit(HitUnit.Requests, 3, now: 1_500, out var at);
        Assert.False(limiter.Hit(HitUnit.Requests, 1, now: 2_000, out _).Allowed);
        limiter.TakeBack(at, 2, now: 2_500);
        Assert.Equal(2, Remaining(limiter, "requests_per_minute"));
        Assert.True(limiter.Hit(HitUnit.Requests, 2, now: 3_000, out _).Allowed);
    }

    private static long Remaining(RateLimiter limiter, string name) => limiter.State(0).Single(limit => limit.Name == name).Remaining;
}
