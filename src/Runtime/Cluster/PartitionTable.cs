namespace Tollgate.Runtime.Cluster;

/// <summary>
/// This silo's view of the partitions it holds and at which lease epoch (0: not held). Reads are
/// lock-free (one per call); the lease manager changes it. A partition being handed off is
/// <em>draining</em>: still held (its activations finish and flush) but taking no new calls.
/// </summary>
public sealed class PartitionTable(Partitioner partitioner)
{
    private readonly long[] _epochs = new long[partitioner.PartitionCount];
    private readonly bool[] _draining = new bool[partitioner.PartitionCount];
    private readonly string?[] _movedTo = new string?[partitioner.PartitionCount];
    private readonly long[] _highestEpoch = new long[partitioner.PartitionCount];
    private long _validUntil; // Environment.TickCount64 until which the held leases surely have not expired

    public Partitioner Partitioner { get; } = partitioner;

    /// <summary>Raised after a partition is lost, so its activations are dropped.</summary>
    public event Action<int>? PartitionLost;

    /// <summary>The epoch at which this silo serves <paramref name="partition"/>; false when not held, draining, or renewals are overdue.</summary>
    public bool TryGetEpoch(int partition, out long epoch)
    {
        epoch = Volatile.Read(ref _epochs[partition]);
        return epoch != 0 && !Volatile.Read(ref _draining[partition]) && Environment.TickCount64 < Volatile.Read(ref _validUntil);
    }

    /// <summary>Where this silo handed the partition, if it did (a hint for redirected clients).</summary>
    public string? MovedTo(int partition) => Volatile.Read(ref _movedTo[partition]);

    public int HeldCount => Held().Count();

    /// <summary>The epoch recorded for a partition, even if draining or renewals are overdue (0: not held).</summary>
    public long RecordedEpoch(int partition) => Volatile.Read(ref _epochs[partition]);

    public bool IsDraining(int partition) => Volatile.Read(ref _draining[partition]);

    internal bool IsStale => Environment.TickCount64 >= Volatile.Read(ref _validUntil);

    /// <summary>Records a successful renewal: the leases are valid until this local time.</summary>
    internal void ConfirmUntil(long tickCount64) => Volatile.Write(ref _validUntil, tickCount64);

    /// <summary>
    /// Records a lease. A stale report is ignored: an epoch below one already seen, or the epoch of a
    /// lease this silo has since given away (a renewal read just before a transfer).
    /// </summary>
    internal void Hold(int partition, long epoch)
    {
        lock (_highestEpoch)
        {
            var highest = _highestEpoch[partition];
            if (epoch < highest || (epoch == highest && Volatile.Read(ref _epochs[partition]) == 0)) return;
            _highestEpoch[partition] = epoch;
        }
        Volatile.Write(ref _movedTo[partition], null);
        Volatile.Write(ref _draining[partition], false);
        var previous = Interlocked.Exchange(ref _epochs[partition], epoch);
        if (previous != 0 && previous != epoch) PartitionLost?.Invoke(partition);
    }

    /// <summary>Stops taking new calls for the partition; its activations finish, flush and leave.</summary>
    internal void Drain(int partition) => Volatile.Write(ref _draining[partition], true);

    internal void Lose(int partition, string? movedTo = null)
    {
        Volatile.Write(ref _movedTo[partition], movedTo);
        Volatile.Write(ref _draining[partition], false);
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
