using Tollgate.Grains.Limits;

namespace Tollgate.Tests.Limits;

public sealed class TimerBoundariesTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(99L)]
    [InlineData(100L)]
    [InlineData(123_456_789L)]
    public void A_tick_comes_after_its_delay_on_the_next_shared_tenth_of_a_second(long now)
    {
        var due = TimerBoundaries.DueAfter(TimeSpan.FromSeconds(1), now);
        Assert.InRange(due, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1_099));
        Assert.Equal(0, (now + (long)due.TotalMilliseconds) % 100);
    }

    [Fact]
    public void Timers_armed_within_one_tenth_of_a_second_fire_together()
    {
        var at = Enumerable.Range(0, 100).Select(now => now + (long)TimerBoundaries.DueAfter(TimeSpan.FromMilliseconds(1_000.5), now).TotalMilliseconds);
        Assert.Equal([1_100L], at.Distinct());
    }
}
