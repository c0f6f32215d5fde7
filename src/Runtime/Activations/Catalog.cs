using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Runtime.Activations;

/// <summary>
/// The silo's activations: finds or creates the one activation of a grain and hands it calls.
/// A grain is activated only in a partition this silo holds a lease for.
/// </summary>
internal sealed class Catalog
{
    // A call meets a leaving activation at most a few times in a row; more means something is wrong.
    private const int MaxActivationAttempts = 8;

    // Indexed by partition: losing or handing off a partition touches its activations only, never
    // all of them (one pass over a million activations took 160 ms, once per lost partition).
    private readonly ConcurrentDictionary<GrainId, Activation>[] _byPartition;
    private readonly GrainRegistry _registry;
    private readonly PartitionTable _partitions;
    private readonly IServiceProvider _services;
    private readonly LeaseManager _leases;

    public Catalog(GrainRegistry registry, PartitionTable partitions, LeaseManager leases, GroupCommitter committer, NpgsqlDataSource database,
        TimeProvider time, IServiceProvider services, ILogger<Catalog> logger)
    {
        _registry = registry;
        _partitions = partitions;
        _leases = leases;
        _services = services;
        Committer = committer;
        Database = database;
        Time = time;
        Logger = logger;
        _byPartition = new ConcurrentDictionary<GrainId, Activation>[partitions.Partitioner.PartitionCount];
        for (var i = 0; i < _byPartition.Length; i++) _byPartition[i] = new();
        partitions.PartitionLost += DropPartition;
    }

    public GroupCommitter Committer { get; }
    public NpgsqlDataSource Database { get; }
    public TimeProvider Time { get; }
    public ILogger Logger { get; }

    public IEnumerable<Activation> Activations => _byPartition.SelectMany(partition => partition.Values);

    /// <summary>Runs <paramref name="request"/> on the grain's activation, creating it if needed.</summary>
    public Task<object?> InvokeAsync(GrainId grain, string message, object request, TimeSpan timeout)
    {
        var handler = _registry.Get(grain.Type).Handler(message);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var call = new Call(handler, request, deadline);
        Dispatch(grain, call);
        return call.Result.Task;
    }

    /// <summary>Hands a call that its activation gave back (it was leaving) to the grain's next activation.</summary>
    public void Redispatch(GrainId grain, Call call) => Dispatch(grain, call);

    private void Dispatch(GrainId grain, Call call, bool mayClaim = true)
    {
        var partition = _partitions.Partitioner.PartitionOf(grain);
        for (var attempt = 0; attempt < MaxActivationAttempts; attempt++)
        {
            if (!_partitions.TryGetEpoch(partition, out var epoch))
            {
                if (mayClaim && !_partitions.IsDraining(partition))
                {
                    // Perhaps another silo has just handed this partition here: check before redirecting.
                    DispatchAfter(_leases.ClaimIfHandedAsync(partition), grain, call, mayClaim: false);
                    return;
                }
                call.Result.TrySetException(new GrainException(GrainErrorCodes.WrongSilo, $"This silo does not serve partition {partition} of {grain}.")
                {
                    RedirectTo = _partitions.MovedTo(partition),
                });
                return;
            }
            var activation = _byPartition[partition].GetOrAdd(grain, Create, (this, partition, epoch));
            if (activation.Epoch != epoch) activation.Break(new InvalidOperationException("The partition's lease changed epoch."));
            else if (activation.TryEnqueue(call)) return;
            if (!activation.WhenGone.IsCompleted)
            {
                // Leaving (flushing): continue once it is gone, without holding a thread meanwhile.
                DispatchAfter(activation.WhenGone, grain, call, mayClaim: true);
                return;
            }
        }
        call.Result.TrySetException(new GrainException(GrainErrorCodes.Unavailable, $"Could not activate {grain}."));
    }

    private void DispatchAfter(Task first, GrainId grain, Call call, bool mayClaim) =>
        first.ContinueWith(static (_, state) =>
        {
            var (catalog, grain, call, mayClaim) = ((Catalog, GrainId, Call, bool))state!;
            catalog.Dispatch(grain, call, mayClaim);
        }, (this, grain, call, mayClaim), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static Activation Create(GrainId grain, (Catalog Catalog, int Partition, long Epoch) context)
    {
        var catalog = context.Catalog;
        var instance = catalog._registry.Get(grain.Type).Create(catalog._services);
        return new Activation(catalog, grain, context.Partition, context.Epoch, instance);
    }

    public void Remove(Activation activation) =>
        _byPartition[activation.Partition].TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));

    private void DropPartition(int partition)
    {
        foreach (var activation in _byPartition[partition].Values)
        {
            // A partition can be lost and regained at a new epoch: activations of the new epoch stay.
            if (activation.Epoch != _partitions.RecordedEpoch(partition))
                activation.Break(new GrainException(GrainErrorCodes.WrongSilo, $"Partition {partition} was lost."));
        }
    }

    /// <summary>Deactivates activations idle for at least <paramref name="idleAge"/>, and idle ones that hold nothing; returns how many.</summary>
    public async Task<int> CollectIdleAsync(TimeSpan idleAge, CancellationToken cancellationToken)
    {
        var collected = 0;
        // In parallel, so the flushes share group commits instead of waiting one commit each.
        await Parallel.ForEachAsync(Activations, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (activation, token) =>
            {
                if ((activation.Grain.HoldsNothing || activation.IdleMilliseconds >= idleAge.TotalMilliseconds) && await activation.TryDeactivateAsync(token).ConfigureAwait(false))
                    Interlocked.Increment(ref collected);
            }).ConfigureAwait(false);
        return collected;
    }

    /// <summary>Flushes and deactivates every activation (shutdown), retrying busy ones until the deadline.</summary>
    public Task DeactivateAllAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        DeactivateAsync(_ => true, timeout, cancellationToken);

    /// <summary>
    /// Flushes and deactivates the activations of draining partitions (handoff), retrying busy ones
    /// until the deadline; what is still busy then is discarded (its committed state stays).
    /// </summary>
    public async Task DeactivateAsync(Func<int, bool> partitions, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        List<Activation> Remaining() => [.. Enumerable.Range(0, _byPartition.Length).Where(partitions).SelectMany(partition => _byPartition[partition].Values)];
        for (var remaining = Remaining(); remaining.Count > 0; remaining = Remaining())
        {
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                Logger.LogWarning("{Count} activations were still busy after {Timeout} and were discarded without a flush", remaining.Count, timeout);
                foreach (var activation in remaining) activation.Break(new TimeoutException("Deactivation timed out."));
                return;
            }
            await Parallel.ForEachAsync(remaining, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
                async (activation, token) => await activation.TryDeactivateAsync(token).ConfigureAwait(false)).ConfigureAwait(false);
            if (Remaining().Count > 0) await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}
