using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Runtime.Activations;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Persistence;
using Tollgate.Runtime.Transport;

namespace Tollgate.Runtime.Hosting;

/// <summary>
/// The silo's lifecycle. Joins the cluster and takes a fair share of partition leases before
/// serving; then heartbeats, renews leases, rebalances (taking free partitions, handing surplus to
/// a silo below its share) and collects idle activations. On shutdown, while the endpoint still
/// answers (with redirects), it hands every partition to the other silos: drain, flush, transfer.
/// </summary>
internal sealed class SiloService(Membership membership, LeaseManager leases, PartitionTable partitions, Catalog catalog, GroupCommitter committer,
    CallStreamSession.Factory callStreams, SiloOptions options, SiloIdentity silo, IHostApplicationLifetime lifetime, ILogger<SiloService> logger)
    : BackgroundService, IHostedLifecycleService
{
    private readonly SemaphoreSlim _balancing = new(1, 1);
    private volatile bool _stopping;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await leases.EnsurePartitionsAsync(cancellationToken).ConfigureAwait(false);
        await membership.RegisterAsync(cancellationToken).ConfigureAwait(false);
        await leases.RenewAsync(cancellationToken).ConfigureAwait(false);
        await BalanceAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Silo {Silo} holds {Count} partitions", silo, partitions.HeldCount);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // A handoff drains at most this many partitions at once, so each drain is short and calls wait little.
    private const int HandoffBatch = 64;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Separate loops: neither a long handoff nor a long idle collection may delay heartbeats and renewals.
        Task.WhenAll(MaintainClusterAsync(stoppingToken), RebalanceAsync(stoppingToken), CollectIdleAsync(stoppingToken));

    private async Task MaintainClusterAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LeaseDuration / 3);
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (!await membership.HeartbeatAsync(stoppingToken).ConfigureAwait(false))
                {
                    logger.LogCritical("Silo {Silo} was declared dead by the cluster; stopping", silo);
                    lifetime.StopApplication();
                    return;
                }
                await leases.RenewAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Heartbeat or lease renewal failed");
            }
            leases.ExpireIfStale();
        }
    }

    private async Task RebalanceAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LeaseDuration / 3);
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (!_stopping) await BalanceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Rebalancing failed");
            }
        }
    }

    /// <summary>Moves this silo toward its fair share: acquire free partitions, or hand surplus to silos below theirs.</summary>
    private async Task BalanceAsync(CancellationToken cancellationToken)
    {
        await _balancing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopping) return;
            var live = (await membership.LiveSilosAsync(cancellationToken).ConfigureAwait(false)).ToList();
            if (!live.Exists(s => s.Silo == silo)) return; // not visible as live yet: next round
            var count = partitions.Partitioner.PartitionCount;
            var myTarget = LeaseManager.FairShare(count, live.Count, live.FindIndex(s => s.Silo == silo));
            var held = partitions.HeldCount;
            if (held < myTarget)
            {
                var acquired = await leases.AcquireAsync(myTarget - held, cancellationToken).ConfigureAwait(false);
                if (acquired > 0) logger.LogInformation("Acquired {Count} partitions (now {Held}, fair share {Target})", acquired, partitions.HeldCount, myTarget);
                return;
            }
            for (var i = 0; i < live.Count && held > myTarget; i++)
            {
                var (recipient, theirs) = live[i];
                var deficit = LeaseManager.FairShare(count, live.Count, i) - theirs;
                if (recipient == silo || deficit <= 0) continue;
                var give = partitions.Held().Where(p => !partitions.IsDraining(p)).Take(Math.Min(HandoffBatch, Math.Min(deficit, held - myTarget))).ToList();
                var moved = await HandOffAsync(give, recipient, cancellationToken).ConfigureAwait(false);
                held -= moved;
            }
        }
        finally
        {
            _balancing.Release();
        }
    }

    /// <summary>Graceful handoff: stop taking calls for the partitions, flush their activations, then transfer the leases.</summary>
    private async Task<int> HandOffAsync(IReadOnlyList<int> handed, SiloIdentity recipient, CancellationToken cancellationToken)
    {
        if (handed.Count == 0) return 0;
        var set = handed.ToHashSet();
        foreach (var partition in handed) partitions.Drain(partition);
        try
        {
            await catalog.DeactivateAsync(set.Contains, options.HandoffTimeout, cancellationToken).ConfigureAwait(false);
            var moved = await leases.TransferAsync(handed, recipient, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Handed {Count} partitions to {Recipient}", moved.Count, recipient);
            return moved.Count;
        }
        catch
        {
            foreach (var partition in handed) partitions.Undrain(partition); // the handoff did not happen: serve them again
            throw;
        }
    }

    private async Task CollectIdleAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.IdleCollectionInterval);
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var collected = await catalog.CollectIdleAsync(options.IdleDeactivationAge, stoppingToken).ConfigureAwait(false);
                if (collected > 0) logger.LogDebug("Deactivated {Count} idle activations", collected);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Collecting idle activations failed");
            }
        }
    }

    /// <summary>Runs before the endpoint stops: hands every partition to the other live silos, so no client call fails.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await _balancing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await membership.SetStatusAsync("stopping", CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Silo {Silo} stopping: handing {Count} partitions to the other silos", silo, partitions.HeldCount);
            var deadline = DateTime.UtcNow + options.ShutdownTimeout;
            // Rounds of a few partitions each, dealt round-robin to the silos alive at that moment,
            // until none is left here (partitions may still arrive from a silo that has not seen us stop).
            while (partitions.HeldCount > 0 && DateTime.UtcNow < deadline)
            {
                var others = (await membership.LiveSilosAsync(CancellationToken.None).ConfigureAwait(false))
                    .Where(s => s.Silo != silo).Select(s => s.Silo).ToList();
                if (others.Count == 0) break; // the last silo: StopAsync flushes and releases
                var chunk = partitions.Held().Take(Math.Max(others.Count, HandoffBatch)).ToList();
                var moved = await Task.WhenAll(others.Select((recipient, i) =>
                    HandOffAsync([.. chunk.Where((_, index) => index % others.Count == i)], recipient, CancellationToken.None))).ConfigureAwait(false);
                if (moved.Sum() == 0) await Task.Delay(100).ConfigureAwait(false); // recipients went away: look again shortly
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Handing off partitions failed; the rest are flushed and released");
        }
        finally
        {
            _balancing.Release();
            // Calls here now only get redirects: end the clients' call streams (they reconnect where the
            // partitions went), or the endpoint's stop would wait out its timeout for them.
            callStreams.CloseAll();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await catalog.DeactivateAllAsync(options.ShutdownTimeout, CancellationToken.None).ConfigureAwait(false);
        await committer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await leases.ReleaseAllAsync(CancellationToken.None).ConfigureAwait(false);
            await membership.SetStatusAsync("dead", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Releasing partition leases failed; they expire on their own");
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
