namespace Tollgate.Grains.Limits;

/// <summary>The <c>Limits</c> section of a silo's configuration.</summary>
public sealed class LimitOptions
{
    /// <summary>
    /// How often, at most, a grain whose rate windows or in-flight grants changed writes them to PostgreSQL (riding
    /// the group commit). A crash loses at most what was admitted since: the bound on over-admission after it.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);
}
