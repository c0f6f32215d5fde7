using System.Diagnostics;
using Tollgate.Grains.Accounts;

namespace Tollgate.Tests.Accounts;

public sealed class SettledIdsTests
{
    [Fact]
    public void The_oldest_id_goes_first_beyond_the_capacity()
    {
        var ids = new SettledIds(capacity: 2);
        ids.Add("a");
        ids.Add("b");
        ids.Add("c");
        Assert.False(ids.Contains("a"));
        Assert.True(ids.Contains("b"));
        Assert.True(ids.Contains("c"));
        Assert.False(ids.Contains("d"));
        Assert.Equal(2, ids.Count);
    }

    [Fact]
    public void An_id_added_twice_stays_until_both_entries_are_forgotten()
    {
        var ids = new SettledIds(capacity: 16);
        ids.Add("r1");
        var first = Later(Stopwatch.GetTimestamp());
        ids.Add("r1"); // a repeat found in the ledger after its first entry was forgotten... or before
        ids.Add("r2");

        ids.ForgetAddedBy(first);

        Assert.True(ids.Contains("r1"));
        ids.ForgetAddedBy(Later(Stopwatch.GetTimestamp()));
        Assert.False(ids.Contains("r1"));
        Assert.False(ids.Contains("r2"));
        Assert.Equal(0, ids.Count);
    }

    /// <summary>Waits until the clock passed <paramref name="timestamp"/>, and answers it: what is added next is strictly later.</summary>
    private static long Later(long timestamp)
    {
        while (Stopwatch.GetTimestamp() == timestamp) Thread.SpinWait(10);
        return timestamp;
    }
}
