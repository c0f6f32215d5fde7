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
