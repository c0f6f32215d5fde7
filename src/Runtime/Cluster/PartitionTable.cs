namespace Tollgate.Runtime.Cluster;

/// <summary>
/// This silo's view of the partitions it holds and at which lease epoch. Reads are lock-free
/// (one per call); the lease manager changes it. Epoch 0 means not held.
/// </summary>
public sealed class PartitionTable(Partitioner partitioner)
{
    private readonly long[] _epochs = new long[partitioner.PartitionCount];

    public Partitioner Partitioner { get; } = partitioner;

    /// <summary>Raised after a partition is lost, so its activations are dropped.</summary>
    public event Action<int>? PartitionLost;

    public bool TryGetEpoch(int partition, out long epoch)
    {
        epoch = Volatile.Read(ref _epochs[partition]);
        return epoch != 0;
    }

    public int HeldCount => Held().Count();

    internal void Hold(int partition, long epoch)
    {
        var previous = Interlocked.Exchange(ref _epochs[partition], epoch);
        if (previous != 0 && previous != epoch) PartitionLost?.Invoke(partition);
    }

    internal void Lose(int partition)
    {
        if (Interlocked.Exchange(ref _epochs[partition], 0) != 0) PartitionLost?.Invoke(partition);
    }

    internal IEnumerable<int> Held()
    {
        for (var partition = 0; partition < _epochs.Length; partition++)
        {
            if (Volatile.Read(ref _epochs[partition]) != 0) yield return partition;
        }
    }
}
