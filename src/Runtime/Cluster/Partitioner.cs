using System.Text;

namespace Tollgate.Runtime.Cluster;

/// <summary>
/// Maps a grain to one of a fixed number of partitions with a hash that is the same in every
/// process and every release (FNV-1a over UTF-8, then a murmur finalizer to spread the low bits).
/// Never string.GetHashCode: it is randomized per process.
/// </summary>
public sealed class Partitioner
{
    public const int DefaultPartitionCount = 1024;

    public Partitioner(int partitionCount = DefaultPartitionCount)
    {
        if (partitionCount is < 1 or > 1 << 20) throw new ArgumentOutOfRangeException(nameof(partitionCount));
        PartitionCount = partitionCount;
    }

    public int PartitionCount { get; }

    public int PartitionOf(GrainId grain) => (int)(StableHash(grain) % (uint)PartitionCount);

    public static uint StableHash(GrainId grain)
    {
        var hash = 2166136261u;
        hash = Mix(hash, grain.Type);
        hash = (hash ^ 0xFF) * 16777619u; // separator, so ("ab","c") and ("a","bc") differ
        hash = Mix(hash, grain.Key);
        hash ^= hash >> 16;
        hash *= 0x85EBCA6Bu;
        hash ^= hash >> 13;
        hash *= 0xC2B2AE35u;
        hash ^= hash >> 16;
        return hash;
    }

    private static uint Mix(uint hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return hash;
    }
}
