using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Grains;
using Tollgate.Runtime;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Transport;

namespace Tollgate.Microbench.Routing;

/// <summary>
/// Where a call goes: the grain's partition, then on a client the silo serving it (ClusterDirectory)
/// or on a silo whether it serves it (PartitionTable). A three-silo cluster of 1,024 partitions; the
/// grains cycle through accounts, keys, caller IPs and models so no lookup is always the same.
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private const int SiloCount = 3;
    private const int ThisSilo = 0;

    private readonly Partitioner _partitioner = new();
    private readonly PartitionTable _table;
    private readonly ClusterDirectory _directory;
    private readonly GrainId[] _grains = [.. Enumerable.Range(0, 4_096).Select(Grain)];
    private int _next;

    public RoutingBenchmarks()
    {
        _table = new PartitionTable(_partitioner);
        // The seed is a closed loopback port and the table never refreshes: no lookup meets the network.
        _directory = new ClusterDirectory(
            new ClusterClientOptions { Silos = ["http://127.0.0.1:9"], TableRefreshInterval = Timeout.InfiniteTimeSpan },
            NullLogger<ClusterDirectory>.Instance);
    }

    [GlobalSetup]
    public void SpreadPartitions()
    {
        var seed = _directory.SiloFor(0);
        // Owners on closed loopback ports too: a refresh racing this setup finds nothing to read.
        var silos = Enumerable.Range(0, SiloCount).Select(i => $"http://127.0.0.{11 + i}:9/").ToArray();
        for (var partition = 0; partition < _partitioner.PartitionCount; partition++)
        {
            // A redirect is how a client learns an owner without fetching the table.
            _directory.OnFailureAsync(partition, seed, silos[partition % SiloCount], CancellationToken.None).GetAwaiter().GetResult();
            if (partition % SiloCount == ThisSilo) _table.Hold(partition, epoch: 7);
        }
        _table.ConfirmUntil(Environment.TickCount64 + (long)TimeSpan.FromDays(1).TotalMilliseconds);
        if (_directory.SiloFor(1) == seed) throw new InvalidOperationException("The directory did not learn the owners: lookups would measure the seed fallback.");
    }

    [GlobalCleanup]
    public void Dispose() => _directory.Dispose();

    [Benchmark(Baseline = true)]
    public int PartitionOf() => _partitioner.PartitionOf(NextGrain());

    /// <summary>The client's routing of one call (GrainClient): partition, then its silo.</summary>
    [Benchmark]
    public Uri RouteOnClient() => _directory.SiloFor(_partitioner.PartitionOf(NextGrain()));

    /// <summary>The silo's check on one call (Catalog): partition, then whether its lease is held and current.</summary>
    [Benchmark]
    public bool ServeOnSilo() => _table.TryGetEpoch(_partitioner.PartitionOf(NextGrain()), out _);

    private GrainId NextGrain() => _grains[_next++ & (_grains.Length - 1)];

    private static GrainId Grain(int i) => (i % 4) switch
    {
        0 => GrainTypes.AccountId($"acct_{i:x8}"),
        1 => GrainTypes.ApiKeyId($"key_{i:x16}"),
        2 => GrainTypes.CallerIpId($"203.0.{i / 256 % 256}.{i % 256}"),
        _ => GrainTypes.ModelId($"model-{i % 16}"),
    };
}
