using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Runtime.Cluster;

/// <summary>
/// Acquires, renews and releases this silo's partition leases in PostgreSQL, by the database's
/// clock. Acquiring increments a partition's epoch; every grain write is fenced by it.
/// This version takes every partition that is free (single silo); fair shares come with the cluster.
/// </summary>
public sealed class LeaseManager(NpgsqlDataSource database, SiloIdentity silo, PartitionTable partitions, SiloOptions options, ILogger<LeaseManager> logger)
{
    /// <summary>Creates the partition rows once per cluster (idempotent).</summary>
    public async Task EnsurePartitionsAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "INSERT INTO partition_leases (partition_id) SELECT generate_series(0, $1 - 1) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = partitions.Partitioner.PartitionCount });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews held leases, then acquires free or expired ones (or ones held by an older incarnation of this address).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Measured before the statements run, so the local view never outlives the database's expiry.
        var validUntil = Environment.TickCount64 + (long)options.LeaseDuration.TotalMilliseconds;
        var renewed = new Dictionary<int, long>();
        await using (var renew = database.CreateCommand("""
            UPDATE partition_leases SET expires_at = clock_timestamp() + $3
            WHERE owner_address = $1 AND owner_generation = $2 AND expires_at > clock_timestamp()
            RETURNING partition_id, epoch
            """))
        {
            AddLeaseParameters(renew);
            await ReadLeasesAsync(renew, renewed, cancellationToken).ConfigureAwait(false);
        }
        foreach (var partition in partitions.Held().ToList())
        {
            if (renewed.GetValueOrDefault(partition) != partitions.RecordedEpoch(partition))
            {
                logger.LogWarning("Lost the lease of partition {Partition}", partition);
                partitions.Lose(partition);
            }
        }
        partitions.ConfirmUntil(validUntil);

        var acquired = new Dictionary<int, long>();
        await using (var acquire = database.CreateCommand("""
            UPDATE partition_leases SET owner_address = $1, owner_generation = $2, epoch = epoch + 1, expires_at = clock_timestamp() + $3
            WHERE partition_id < $4
              AND (expires_at <= clock_timestamp() OR (owner_address = $1 AND owner_generation < $2))
            RETURNING partition_id, epoch
            """))
        {
            AddLeaseParameters(acquire);
            acquire.Parameters.Add(new NpgsqlParameter { Value = partitions.Partitioner.PartitionCount });
            await ReadLeasesAsync(acquire, acquired, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (partition, epoch) in acquired) partitions.Hold(partition, epoch);
    }

    /// <summary>Drops every lease locally when renewals have failed for longer than a lease lasts, so its activations go.</summary>
    public void ExpireIfStale()
    {
        if (!partitions.IsStale) return;
        foreach (var partition in partitions.Held().ToList()) partitions.Lose(partition);
    }

    /// <summary>Gives every lease back so another silo (or this address's next incarnation) can take it at once.</summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in partitions.Held().ToList()) partitions.Lose(partition);
        await using var release = database.CreateCommand(
            "UPDATE partition_leases SET expires_at = '-infinity' WHERE owner_address = $1 AND owner_generation = $2");
        release.Parameters.Add(new NpgsqlParameter { Value = silo.Address });
        release.Parameters.Add(new NpgsqlParameter { Value = silo.Generation });
        await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private void AddLeaseParameters(NpgsqlCommand command)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = silo.Address });
        command.Parameters.Add(new NpgsqlParameter { Value = silo.Generation });
        command.Parameters.Add(new NpgsqlParameter { Value = options.LeaseDuration });
    }

    private static async Task ReadLeasesAsync(NpgsqlCommand command, Dictionary<int, long> held, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) held[reader.GetInt32(0)] = reader.GetInt64(1);
    }
}
