namespace Tollgate.Runtime.Transport;

/// <summary>Settings of a cluster client such as the gateway (configuration section <c>Cluster</c>).</summary>
public sealed class ClusterClientOptions
{
    /// <summary>Grain endpoints of some silos (seeds), e.g. http://127.0.0.1:5100; the rest is learned from the cluster table.</summary>
    public List<string> Silos { get; set; } = [];

    /// <summary>Must equal the silos' partition count.</summary>
    public int PartitionCount { get; set; } = Cluster.Partitioner.DefaultPartitionCount;

    /// <summary>Longest a call may take, retries included.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest one attempt waits for a silo before trying again (a stalled silo must not hold a call for its whole timeout).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Most attempts of one call when the silo is unreachable, misdirected or briefly unavailable.</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>How often the partition table is re-read from the silos (it is also re-read after a redirect).</summary>
    public TimeSpan TableRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}
