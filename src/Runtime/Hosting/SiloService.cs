using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Runtime.Activations;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Runtime.Hosting;

/// <summary>
/// The silo's lifecycle: takes partition leases before serving, keeps them renewed, collects idle
/// activations; on shutdown flushes every activation, then gives the leases back.
/// </summary>
internal sealed class SiloService(LeaseManager leases, PartitionTable partitions, Catalog catalog, GroupCommitter committer, SiloOptions options, SiloIdentity silo, ILogger<SiloService> logger)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await leases.EnsurePartitionsAsync(cancellationToken).ConfigureAwait(false);
        await leases.RefreshAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Silo {Silo} holds {Count} partitions", silo, partitions.HeldCount);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Separate loops: a long idle collection must never delay lease renewal.
        Task.WhenAll(RenewLeasesAsync(stoppingToken), CollectIdleAsync(stoppingToken));

    private async Task RenewLeasesAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LeaseDuration / 3);
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await leases.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Renewing partition leases failed");
            }
            leases.ExpireIfStale();
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

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Silo {Silo} stopping: flushing {Count} activations", silo, catalog.Count);
        await catalog.DeactivateAllAsync(options.ShutdownTimeout, CancellationToken.None).ConfigureAwait(false);
        await committer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await leases.ReleaseAllAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Releasing partition leases failed; they expire on their own");
        }
    }
}
