using Tollgate.Grains.Limits;

namespace Tollgate.Tests.Limits;

public sealed class SlidingWindowTests
{
    private const long Minute = 60_000;

    [Fact]
    public void No_boundary_burst_where_a_fixed_window_would_allow_twice_the_limit()
    {
        var window = new SlidingWindow(limit: 10, windowMs: Minute, buckets: 12);
        for (var i = 0; i < 10; i++) Assert.True(window.TryAdd(1, 59_000, out _, out _));
        Assert.False(window.TryAdd(1, 61_000, out _, out var retryAfter)); // a fixed window would have reset at 60 s
        // Counted until their 5 s bucket (55–60 s) has wholly left the window: at 120 s.
        Assert.Equal(59_000, retryAfter);
        Assert.False(window.TryAdd(1, 119_999, out _, out _));
        Assert.True(window.TryAdd(1, 120_000, out _, out _));
    }

    [Fact]
    public void In_any_window_the_admitted_units_never_exceed_the_limit()
    {
        var random = new Random(12345);
        foreach (var (limit, buckets) in new[] { (5L, 1), (10L, 6), (100L, 12), (1_000L, 60) })
        {
            var window = new SlidingWindow(limit, Minute, buckets);
            var admitted = new List<(long At, long Units)>();
            var now = 0L;
            for (var i = 0; i < 20_000; i++)
            {
                now += random.Next(0, 2_000);
                var units = random.Next(1, (int)Math.Max(2, limit / 3));
                if (window.TryAdd(units, now, out _, out var retry)) admitted.Add((now, units));
                else Assert.True(retry > 0);
            }
            // Brute force: every window ending at an admission holds at most the limit.
            var start = 0;
            long inWindow = 0;
            for (var end = 0; end < admitted.Count; end++)
            {
                inWindow += admitted[end].Units;
                while (admitted[start].At <= admitted[end].At - Minute) inWindow -= admitted[start++].Units;
                Assert.True(inWindow <= limit, $"{inWindow} > {limit} in the minute before {admitted[end].At} ({buckets} buckets)");
            }
            Assert.True(admitted.Count > 0);
        }
    }

    [Fact]
    public void A_window_holds_buckets_only_while_it_counts_and_counts_again_the_same_after_draining()
    {
        var window = new SlidingWindow(limit: 10, windowMs: Minute, buckets: 12);
        Assert.False(window.HoldsBuckets);
        Assert.True(window.TryAdd(0, 1_000, out var empty, out _)); // a check of nothing counts nothing
        Assert.False(window.HoldsBuckets);
        Assert.True(window.TryAdd(10, 1_000, out _, out _));
        Assert.True(window.HoldsBuckets);
        Assert.Equal(0, window.Remaining(64_999)); // its 0–5 s bucket leaves the window at 65 s
        Assert.Equal(10, window.Remaining(65_000));
        Assert.False(window.HoldsBuckets);
        Assert.Empty(window.Export(65_000).Counts);

        // An estimate of nothing corrected upwards while its bucket is in the window is counted, in that bucket.
        Assert.True(window.TryAdd(0, 66_000, out var estimated, out _));
        window.Correct(estimated, 4, 70_000);
        Assert.Equal((6L, 59_000L), (window.Remaining(70_000), window.ResetMs(71_000)));
        window.Correct(estimated, -4, 72_000);
        Assert.False(window.HoldsBuckets);
        window.Correct(empty, 5, 72_000); // its bucket left the window long ago
        Assert.Equal(10, window.Remaining(72_000));
        Assert.Equal(4, window.Taken - 10); // corrections down are not taken back from Taken
    }

    [Fact]
    public void An_estimate_is_corrected_to_the_actual_count()
    {
        var tokens = new SlidingWindow(limit: 1_000, windowMs: Minute, buckets: 6);
        Assert.True(tokens.TryAdd(800, 1_000, out var bucket, out _)); // estimate at authorize
        Assert.Equal(200, tokens.Remaining(2_000));
        tokens.Correct(bucket, 150 - 800, 3_000); // settle: only 150 were used
        Assert.Equal(850, tokens.Remaining(3_000));
        tokens.Correct(bucket, 100, 200_000); // the bucket has left the window: nothing to correct
        Assert.Equal(1_000, tokens.Remaining(200_000));
    }

    [Fact]
    public void A_request_larger_than_the_limit_never_fits()
    {
        var window = new SlidingWindow(limit: 10, windowMs: Minute, buckets: 6);
        Assert.False(window.TryAdd(11, 0, out _, out var retry));
        Assert.Equal(long.MaxValue, retry);
    }
}
