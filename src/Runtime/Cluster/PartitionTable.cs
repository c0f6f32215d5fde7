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
    private readonly long[] _givenAway = new long[partitioner.PartitionCount]; // highest epoch this silo transferred or released
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
    /// Records a lease. A stale report is ignored: an epoch below the one held, or an epoch this silo
    /// has given away (a renewal that read the row just before the transfer).
    /// </summary>
    internal void Hold(int partition, long epoch)
    {
        lock (_givenAway)
        {
            if (epoch <= _givenAway[partition] || epoch < Volatile.Read(ref _epochs[partition])) return;
            Volatile.Write(ref _movedTo[partition], null);
            Volatile.Write(ref _draining[partition], false);
            var previous = Interlocked.Exchange(ref _epochs[partition], epoch);
            if (previous != 0 && previous != epoch) PartitionLost?.Invoke(partition);
        }
    }

    /// <summary>Stops taking new calls for the partition; its activations finish, flush and leave.</summary>
    internal void Drain(int partition) => Volatile.Write(ref _draining[partition], true);

    /// <summary>Takes calls again (a handoff that did not happen).</summary>
    internal void Undrain(int partition) => Volatile.Write(ref _draining[partition], false);

    /// <summary>The lease was lost (not renewed, or renewals overdue); a later renewal may show it is still ours.</summary>
    internal void Lose(int partition)
    {
        Volatile.Write(ref _draining[partition], false);
        if (Interlocked.Exchange(ref _epochs[partition], 0) != 0) PartitionLost?.Invoke(partition);
    }

    /// <summary>Like <see cref="Lose"/>, but only if the partition is still held at <paramref name="epoch"/> (not re-taken meanwhile).</summary>
    internal bool LoseIf(int partition, long epoch)
    {
        if (Interlocked.CompareExchange(ref _epochs[partition], 0, epoch) != epoch) return false;
        Volatile.Write(ref _draining[partition], false);
        PartitionLost?.Invoke(partition);
        return true;
    }

    /// <summary>This silo transferred (to <paramref name="movedTo"/>) or released the lease: never hold that epoch again.</summary>
    internal void GiveAway(int partition, string? movedTo)
    {
        lock (_givenAway)
        {
            _givenAway[partition] = Math.Max(_givenAway[partition], Volatile.Read(ref _epochs[partition]));
            Volatile.Write(ref _movedTo[partition], movedTo);
            Lose(partition);
        }
    }

    internal IEnumerable<int> Held()
    {
        for (var partition = 0; partition < _epochs.Length; partition++)
        {
            if (Volatile.Read(ref _epochs[partition]) != 0) yield return partition;
        }
    }
}
