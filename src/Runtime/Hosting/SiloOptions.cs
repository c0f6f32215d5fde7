using Tollgate.Runtime.Persistence;

namespace Tollgate.Runtime.Hosting;

/// <summary>Settings of a silo (configuration section <c>Silo</c>).</summary>
public sealed class SiloOptions
{
    /// <summary>Address other processes use to reach this silo's grain endpoint, e.g. http://10.0.0.5:5100. Defaults to the endpoint on loopback.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Port of the internal grain-call endpoint (HTTP/2 without TLS). 0 picks a free port.</summary>
    public int Port { get; set; } = 5100;

    /// <summary>Number of partitions grains hash into. Every silo and client of a cluster must agree.</summary>
    public int PartitionCount { get; set; } = Cluster.Partitioner.DefaultPartitionCount;

    /// <summary>How long a partition lease lasts without renewal; a crashed silo's partitions move after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>An activation idle this long is flushed and deactivated.</summary>
    public TimeSpan IdleDeactivationAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan IdleCollectionInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a call may wait and run before its caller is told it timed out.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a handoff waits for a partition's activations to finish and flush; busy ones are then discarded.</summary>
    public TimeSpan HandoffTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a graceful shutdown waits for activations to flush.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public GroupCommitOptions GroupCommit { get; set; } = new();
}
