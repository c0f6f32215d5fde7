using System.Runtime;

namespace Tollgate.Bench.Memory;

/// <summary>What the process holds in memory, measured so that garbage does not count.</summary>
internal static class ManagedHeap
{
    /// <summary>
    /// Bytes of live managed objects after full, blocking, compacting collections (the large object
    /// heap too): what activations keep, not what their calls left behind for the next collection.
    /// </summary>
    public static long LiveBytes()
    {
        for (var round = 0; round < 2; round++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers(); // finalizers may free more: collect again after them
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>The process as the OS and the GC see it, right after <see cref="LiveBytes"/>.</summary>
    public static ProcessMemory Snapshot()
    {
        var live = LiveBytes();
        var info = GC.GetGCMemoryInfo();
        return new ProcessMemory(live, info.HeapSizeBytes, info.TotalCommittedBytes, Environment.WorkingSet);
    }
}

/// <param name="LiveBytes">Live managed objects (<see cref="GC.GetTotalMemory"/> after a full compacting collection).</param>
/// <param name="HeapSizeBytes">The GC heap after that collection, fragmentation included.</param>
/// <param name="CommittedBytes">Memory the GC has committed from the OS.</param>
/// <param name="WorkingSetBytes">The process's resident memory: runtime, native code and buffers too; PostgreSQL not included.</param>
internal readonly record struct ProcessMemory(long LiveBytes, long HeapSizeBytes, long CommittedBytes, long WorkingSetBytes);
