namespace Tollgate.Grains.Limits;

/// <summary>The <c>Limits</c> section of a silo's configuration.</summary>
public sealed class LimitOptions
{
    /// <summary>
    /// How often, at most, a grain whose rate windows or in-flight grants changed writes them to PostgreSQL (riding
    /// the group commit); each tick falls on a tenth of a second every grain shares, so up to 0.1 s later
    /// (<see cref="TimerBoundaries"/>). A crash loses at most what was admitted since, and never more than a window's loss budget
    /// (<see cref="RateLimiter.LossBudget"/>: an admission beyond it waits for a checkpoint).
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);
}
