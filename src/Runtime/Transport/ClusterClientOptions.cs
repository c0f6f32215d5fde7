namespace Tollgate.Runtime.Transport;

/// <summary>Settings of a cluster client such as the gateway (configuration section <c>Cluster</c>).</summary>
public sealed class ClusterClientOptions
{
    /// <summary>Grain endpoints of the silos, e.g. http://127.0.0.1:5100.</summary>
    public List<string> Silos { get; set; } = [];

    /// <summary>Must equal the silos' partition count.</summary>
    public int PartitionCount { get; set; } = Cluster.Partitioner.DefaultPartitionCount;

    /// <summary>Longest a call may take, retries included.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most attempts of one call when the silo is unreachable, misdirected or briefly unavailable.</summary>
    public int MaxAttempts { get; set; } = 6;
}
