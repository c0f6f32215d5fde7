namespace Tollgate.Gateway.Cluster;

/// <summary>How the gateway reaches the silos (configuration section <c>Cluster</c>).</summary>
public sealed class ClusterClientSettings
{
    /// <summary>The cluster to join: the silos' <c>Silo:ClusterId</c>.</summary>
    public string ClusterId { get; set; } = "tollgate";

    public string ServiceId { get; set; } = "tollgate";

    /// <summary>
    /// Longest one attempt of a grain call waits for its answer. Calls in flight to a silo that crashed wait
    /// this long (Orleans' default is 30 s); kept above the slowest commit a healthy silo makes.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Attempts of a grain call that fails for a reason of the cluster's, the first included.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Longest pause between two attempts (they grow from 50 ms).</summary>
    public TimeSpan MaxRetryPause { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a starting gateway waits for the cluster before it gives up.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
