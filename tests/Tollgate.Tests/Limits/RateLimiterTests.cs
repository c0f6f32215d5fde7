using Tollgate.Grains.Limits;

namespace Tollgate.Tests.Limits;

public sealed class RateLimiterTests
{
    [Fact]
    public void Every_limit_is_taken_or_none_is()
    {
        var limiter = new RateLimiter("key");
        limiter.Configure(new LimitSettings(RequestsPerMinute: 10, TokensPerMinute: 1_000, TokensPerDay: null, MaxConcurrent: null));
        Assert.True(limiter.TryAcquire("a", 900, expiresAt: 60_000, now: 0).Allowed);
        var denied = limiter.TryAcquire("b", 200, 60_000, 0);
        Assert.False(denied.Allowed);
        Assert.Equal("key.tokens_per_minute", denied.Denial!.Limit);
        Assert.Equal(Denials.RateLimited, denied.Denial.Reason);
        Assert.True(denied.Denial.RetryAfterMs > 0);
        // The denied request took no request count: 9 remain.
        Assert.Equal(9, limiter.State(0).Single(l => l.Name == "requests_per_minute").Remaining);
    }

    [Fact]
    public void An_idle_scope_holds_no_windows_and_answers_from_its_settings_until_it_counts()
    {
        var limiter = new RateLimiter("account");
        limiter.Configure(new LimitSettings(RequestsPerMinute: 2, TokensPerMinute: 1_000, TokensPerDay: 5_000, MaxConcurrent: 3));
        limiter.Configure(new LimitSettings(RequestsPerMinute: 1, TokensPerMinute: 1_000, TokensPerDay: 5_000, MaxConcurrent: 3));
        Assert.False(limiter.HoldsWindows);
        Assert.Equal([("requests_per_minute", 1L, 1L), ("tokens_per_minute", 1_000L, 1_000L), ("tokens_per_day", 5_000L, 5_000L), ("max_concurrent", 3L, 3L)],
            limiter.State(0).Select(limit => (limit.Name, limit.Limit, limit.Remaining)));
        Assert.Equal(new WindowMarks(0, 0, 0), limiter.Taken);

        Assert.False(limiter.TryAcquire("too-big", 1_001, expiresAt: 60_000, now: 0).Allowed); // the limits hold from the first call
        Assert.True(limiter.TryAcquire("a", 100, expiresAt: 60_000, now: 0).Allowed);
        Assert.True(limiter.HoldsWindows);
        Assert.False(limiter.TryAcquire("b", 100, expiresAt: 60_000, now: 0).Allowed); // the lowered limit of 1 request a minute
        Assert.Equal(new WindowMarks(1, 100, 100), limiter.Taken);
    }

    [Fact]
    public void Admissions_beyond_five_percent_of_a_limit_since_the_last_checkpoint_are_beyond_the_loss_budget()
    {
        var limiter = new RateLimiter("account");
        limiter.Configure(new LimitSettings(RequestsPerMinute: 100, TokensPerMinute: 10_000, TokensPerDay: null, MaxConcurrent: null));
        var saved = limiter.Taken;
        for (var i = 0; i < 5; i++) Assert.True(limiter.TryAcquire($"r{i}", 10, expiresAt: 60_000, now: 0).Allowed);
        Assert.False(limiter.BeyondLossBudget(saved)); // 5 requests and 50 tokens: within 5 % of 100 and of 10,000
        Assert.True(limiter.TryAcquire("r5", 10, 60_000, 0).Allowed);
        Assert.True(limiter.BeyondLossBudget(saved)); // the sixth request
        saved = limiter.Taken; // a checkpoint covered them

        Assert.True(limiter.Release("r0", tokensUsed: 400, refund: false, now: 10)); // 390 tokens more than estimated
        Assert.False(limiter.BeyondLossBudget(saved));
        Assert.True(limiter.Release("r1", tokensUsed: 121, refund: false, now: 10));
        Assert.True(limiter.BeyondLossBudget(saved)); // 501 tokens counted since: more than 500
        Assert.True(limiter.Release("r2", tokensUsed: 0, refund: true, now: 10)); // a refund takes nothing back from what is at stake
        Assert.True(limiter.BeyondLossBudget(saved));
        Assert.Equal(1, RateLimiter.LossBudget(10)); // at least one unit
    }

    [Fact]
    public void Concurrency_slots_are_held_once_per_request_and_freed_on_release_or_expiry()
    {
        var limiter = new RateLimiter("ip");
        limiter.Configure(new LimitSettings(null, null, null, MaxConcurrent: 2));
        Assert.True(limiter.TryAcquire("a", 0, expiresAt: 1_000, now: 0).Allowed);
        Assert.True(limiter.TryAcquire("a", 0, 1_000, 0).Allowed); // a repeat holds the same slot
        Assert.True(limiter.TryAcquire("b", 0, 5_000, 0).Allowed);
        Assert.Equal("ip.max_concurrent", limiter.TryAcquire("c", 0, 5_000, 0).Denial!.Limit);
        Assert.True(limiter.Release("b", 0, refund: false, now: 10));
        Assert.False(limiter.Release("b", 0, refund: false, now: 10)); // released once
        Assert.True(limiter.TryAcquire("c", 0, 5_000, 10).Allowed);
        Assert.False(limiter.TryAcquire("d", 0, 5_000, 999).Allowed);
        Assert.True(limiter.TryAcquire("d", 0, 5_000, 1_000).Allowed); // a's reservation expired: its slot is free
    }

    [Fact]
    public void A_renewed_grant_keeps_its_slot_past_its_first_expiry_until_renewals_stop()
    {
        var limiter = new RateLimiter("key");
        limiter.Configure(new LimitSettings(null, null, null, MaxConcurrent: 1));
        Assert.True(limiter.TryAcquire("a", 10, expiresAt: 10_000, now: 0).Allowed);
        Assert.True(limiter.Renew("a", ttlMs: 10_000, maxLifetimeMs: 100_000, now: 8_000)); // until 18 s
        Assert.True(limiter.Renew("a", ttlMs: 1_000, maxLifetimeMs: 100_000, now: 9_000)); // a shorter renewal changes nothing
        Assert.False(limiter.TryAcquire("b", 10, 30_000, now: 12_000).Allowed); // past its first expiry the slot is still taken
        Assert.True(limiter.TryAcquire("b", 10, 30_000, now: 18_000).Allowed); // not renewed since: it expired
        Assert.False(limiter.Renew("a", 10_000, 100_000, 18_001)); // and stays ended
        Assert.True(limiter.Renew("b", ttlMs: 60_000, maxLifetimeMs: 20_000, now: 19_000)); // b was taken at 18 s: 38 s at most
        Assert.False(limiter.TryAcquire("c", 10, 60_000, now: 37_999).Allowed);
        Assert.True(limiter.TryAcquire("c", 10, 60_000, now: 38_000).Allowed);
    }

    [Fact]
    public void Released_grants_do_not_pile_up_until_their_expiry()
    {
        var limiter = new RateLimiter("account");
        limiter.Configure(new LimitSettings(RequestsPerMinute: 1_000_000, null, null, MaxConcurrent: 20));
        for (var held = 0; held < 10; held++) Assert.True(limiter.TryAcquire($"held-{held}", 0, expiresAt: 50_000, now: 0).Allowed);
        for (var request = 0; request < 10_000; request++)
        {
            Assert.True(limiter.TryAcquire($"r{request}", 0, expiresAt: 60_000, now: request).Allowed);
            Assert.True(limiter.Release($"r{request}", 0, refund: false, now: request));
        }
        Assert.InRange(limiter.QueuedExpiries, 10, 2 * 10 + 64);

        // The held grants still expire on time after the queue was rebuilt.
        Assert.Equal(10, limiter.InFlight);
        limiter.State(50_000);
        Assert.Equal(0, limiter.InFlight);
    }

    [Fact]
    public void Release_corrects_the_token_estimate_and_a_refund_gives_back_the_request()
    {
        var limiter = new RateLimiter("account");
        limiter.Configure(new LimitSettings(RequestsPerMinute: 2, TokensPerMinute: 1_000, TokensPerDay: 5_000, MaxConcurrent: null));
        Assert.True(limiter.TryAcquire("a", 800, 60_000, 0).Allowed);
        limiter.Release("a", tokensUsed: 100, refund: false, now: 500);
        var state = limiter.State(500);
        Assert.Equal(900, state.Single(l => l.Name == "tokens_per_minute").Remaining);
        Assert.Equal(4_900, state.Single(l => l.Name == "tokens_per_day").Remaining);
        Assert.Equal(1, state.Single(l => l.Name == "requests_per_minute").Remaining);

        Assert.True(limiter.TryAcquire("b", 300, 60_000, 600).Allowed);
        limiter.Release("b", 0, refund: true, now: 700); // denied elsewhere: as if never asked
        Assert.Equal(1, limiter.State(700).Single(l => l.Name == "requests_per_minute").Remaining);
        Assert.Equal(900, limiter.State(700).Single(l => l.Name == "tokens_per_minute").Remaining);
    }

    [Fact]
    public void New_limits_apply_to_what_is_already_counted()
    {
        var limiter = new RateLimiter("model");
        limiter.Configure(new LimitSettings(RequestsPerMinute: 5, null, null, null));
        for (var i = 0; i < 3; i++) Assert.True(limiter.TryAcquire($"r{i}", 0, 60_000, 0).Allowed);
        limiter.Configure(new LimitSettings(RequestsPerMinute: 3, null, null, null));
        Assert.False(limiter.TryAcquire("r3", 0, 60_000, 1).Allowed);
        limiter.Configure(LimitSettings.None);
        Assert.True(limiter.TryAcquire("r3", 0, 60_000, 2).Allowed);
    }
}
