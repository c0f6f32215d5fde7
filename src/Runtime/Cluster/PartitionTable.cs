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

    private long _validUntil; // Environment.TickCount64 until which the held leases surely have not expired

    /// <summary>The epoch at which this silo holds <paramref name="partition"/>; false when not held or when renewals are overdue.</summary>
    public bool TryGetEpoch(int partition, out long epoch)
    {
        epoch = Volatile.Read(ref _epochs[partition]);
        return epoch != 0 && Environment.TickCount64 < Volatile.Read(ref _validUntil);
    }

    /// <summary>Records a successful renewal: the leases are valid until this local time.</summary>
    internal void ConfirmUntil(long tickCount64) => Volatile.Write(ref _validUntil, tickCount64);

    internal bool IsStale => Environment.TickCount64 >= Volatile.Read(ref _validUntil);

    /// <summary>The epoch recorded for a partition, even if renewals are overdue (0: not held).</summary>
    internal long RecordedEpoch(int partition) => Volatile.Read(ref _epochs[partition]);

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
