using System.Diagnostics;
using Tollgate.Grains.Accounts;

namespace Tollgate.Tests.Accounts;

public sealed class RecentResultsTests
{
    [Fact]
    public void The_oldest_result_goes_first_beyond_the_capacity()
    {
        var results = new RecentResults<int>(capacity: 2);
        results.Add("a", 1);
        results.Add("b", 2);
        results.Add("a", 9); // a repeat keeps the first result and its place
        results.Add("c", 3);
        Assert.False(results.TryGet("a", out _));
        Assert.True(results.TryGet("b", out var b) && b == 2);
        Assert.True(results.TryGet("c", out var c) && c == 3);
    }

    [Fact]
    public void Forgetting_by_a_time_drops_the_results_added_by_then_and_keeps_the_later_ones()
    {
        var results = new RecentResults<int>(capacity: 16);
        results.Add("early", 1);
        results.Add("also early", 2);
        var by = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() == by) Thread.SpinWait(10); // the next result is added strictly later
        results.Add("late", 3);

        results.ForgetAddedBy(by);

        Assert.False(results.TryGet("early", out _));
        Assert.False(results.TryGet("also early", out _));
        Assert.True(results.TryGet("late", out var late) && late == 3);
        Assert.Equal(1, results.Count);
        results.Add("early", 4); // forgotten, so added again as new
        Assert.True(results.TryGet("early", out var again) && again == 4);
    }
}
