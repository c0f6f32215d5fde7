namespace Tollgate.Grains.Limits;

/// <summary>
/// Due times rounded up to a boundary every grain shares (a tenth of a second). .NET's timer queue walks its list of
/// soon-due timers each time one fires; thousands of checkpoint timers, each due at its own instant, made it fire about
/// once a millisecond and walk that list each time (2 % of the uniform bench's CPU samples in <c>FireNextTimers</c>).
/// Due on shared boundaries, they fire together, at most ten times a second. A tick comes at most that much later.
/// </summary>
internal static class TimerBoundaries
{
    private const long BoundaryMs = 100;

    /// <summary>The due time of a tick at least <paramref name="delay"/> from now, on the next shared boundary.</summary>
    public static TimeSpan DueAfter(TimeSpan delay) => DueAfter(delay, Environment.TickCount64); // the clock .NET's timers run on

    internal static TimeSpan DueAfter(TimeSpan delay, long now)
    {
        var earliest = now + (long)Math.Ceiling(delay.TotalMilliseconds);
        var boundary = (earliest + BoundaryMs - 1) / BoundaryMs * BoundaryMs;
        return TimeSpan.FromMilliseconds(boundary - now);
    }
}
