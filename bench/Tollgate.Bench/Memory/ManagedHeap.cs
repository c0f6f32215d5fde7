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

    /// <summary>
    /// <see cref="LiveBytes"/> split by heap: small objects (an activation's own, and the nodes of the tables that list it) and large
    /// ones (the tables' arrays, of all activations at once). A table grows by doubling its array, so whichever kind of activation
    /// happens to cross a doubling would pay the whole new array: measured apart, the large heap is shared out per activation.
    /// </summary>
    public static HeapParts Parts()
    {
        LiveBytes();
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        long Live(int generation) => info.GenerationInfo[generation].SizeAfterBytes - info.GenerationInfo[generation].FragmentationAfterBytes;
        return new HeapParts(Live(0) + Live(1) + Live(2), Live(3) + Live(4));
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

/// <param name="Small">Live bytes of the small object heap (generations 0 to 2).</param>
/// <param name="Large">Live bytes of the large and pinned object heaps: arrays of 85,000 bytes and more.</param>
internal readonly record struct HeapParts(long Small, long Large);
