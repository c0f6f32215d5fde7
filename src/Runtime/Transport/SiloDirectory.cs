using Tollgate.Runtime.Cluster;

namespace Tollgate.Runtime.Transport;

/// <summary>Tells a client which silo serves a partition.</summary>
public interface ISiloDirectory
{
    Uri SiloFor(int partition);

    /// <summary>A silo answered that it does not serve the partition, or could not be reached.</summary>
    void Invalidate(int partition, Uri silo);
}

/// <summary>A fixed list of silos from configuration; a partition goes to its hashed silo, and to the next one after a failure.</summary>
public sealed class StaticSiloDirectory : ISiloDirectory
{
    private readonly Uri[] _silos;
    private readonly int[] _offsets;

    public StaticSiloDirectory(ClusterClientOptions options)
    {
        if (options.Silos.Count == 0) throw new InvalidOperationException("Cluster:Silos lists no silo address.");
        _silos = [.. options.Silos.Select(address => new Uri(address, UriKind.Absolute))];
        _offsets = new int[options.PartitionCount];
    }

    public Uri SiloFor(int partition) => _silos[(partition + Volatile.Read(ref _offsets[partition])) % _silos.Length];

    public void Invalidate(int partition, Uri silo)
    {
        if (SiloFor(partition) == silo) Interlocked.Increment(ref _offsets[partition]);
    }
}
