using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Runtime.Cluster;

/// <summary>
/// This silo's partition leases in PostgreSQL, by the database's clock: renewing the held ones,
/// acquiring free or expired ones up to a fair share, transferring some to another silo (graceful
/// handoff) and releasing them. Acquiring or transferring increments a partition's epoch; every
/// grain write is fenced by it.
/// </summary>
public sealed class LeaseManager(NpgsqlDataSource database, SiloIdentity silo, PartitionTable partitions, SiloOptions options, ILogger<LeaseManager> logger)
{
    // A partition this silo was just handed is noticed on the first call for it; not more often than this.
    private const long ClaimCheckIntervalMs = 50;
    private readonly ConcurrentDictionary<int, Task<bool>> _claims = new();
    private readonly long[] _nextClaimCheck = new long[partitions.Partitioner.PartitionCount];

    /// <summary>Creates the partition rows once per cluster (idempotent).</summary>
    public async Task EnsurePartitionsAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "INSERT INTO partition_leases (partition_id) SELECT generate_series(0, $1 - 1) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = partitions.Partitioner.PartitionCount });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The number of partitions the silo at <paramref name="index"/> of <paramref name="liveCount"/> live silos should hold.</summary>
    public static int FairShare(int partitionCount, int liveCount, int index) =>
        partitionCount / liveCount + (index < partitionCount % liveCount ? 1 : 0);

    /// <summary>Extends every held lease; drops locally the ones the database no longer gives this silo.</summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        // Measured before the statement runs, so the local view never outlives the database's expiry.
        var validUntil = Environment.TickCount64 + (long)options.LeaseDuration.TotalMilliseconds;
        var before = partitions.Held().Select(partition => (partition, partitions.RecordedEpoch(partition))).ToList();
        var renewed = new Dictionary<int, long>();
        await using (var renew = database.CreateCommand("""
            UPDATE partition_leases l SET expires_at = clock_timestamp() + $3
            FROM (SELECT partition_id FROM partition_leases
                  WHERE owner_address = $1 AND owner_generation = $2 AND expires_at > clock_timestamp()
                  ORDER BY partition_id FOR NO KEY UPDATE) mine -- in partition order, as commits lock them: no deadlock
            WHERE l.partition_id = mine.partition_id
            RETURNING l.partition_id, l.epoch
            """))
        {
            AddOwner(renew, silo);
            renew.Parameters.Add(new NpgsqlParameter { Value = options.LeaseDuration });
            await ReadLeasesAsync(renew, renewed, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (partition, epoch) in before)
        {
            // Only what was held before the renewal was sent: a partition claimed meanwhile is not lost.
            if (renewed.GetValueOrDefault(partition) != epoch && partitions.LoseIf(partition, epoch))
                logger.LogWarning("Lost the lease of partition {Partition}", partition);
        }
        // Leases handed to this silo since the last renewal are renewed too: take them.
        foreach (var (partition, epoch) in renewed)
        {
            if (partitions.RecordedEpoch(partition) != epoch && !partitions.IsDraining(partition)) partitions.Hold(partition, epoch);
        }
        partitions.ConfirmUntil(validUntil);
    }

    /// <summary>Acquires up to <paramref name="count"/> free or expired partitions (and any held by an older incarnation of this address).</summary>
    public async Task<int> AcquireAsync(int count, CancellationToken cancellationToken)
    {
        var acquired = new Dictionary<int, long>();
        await using (var acquire = database.CreateCommand("""
            UPDATE partition_leases SET owner_address = $1, owner_generation = $2, epoch = epoch + 1, expires_at = clock_timestamp() + $3
            WHERE partition_id IN (
                SELECT partition_id FROM partition_leases
                WHERE partition_id < $4
                  AND (expires_at <= clock_timestamp() OR (owner_address = $1 AND owner_generation < $2))
                ORDER BY (owner_address = $1) IS TRUE DESC, partition_id
                LIMIT $5
                FOR UPDATE SKIP LOCKED)
            RETURNING partition_id, epoch
            """))
        {
            AddOwner(acquire, silo);
            acquire.Parameters.Add(new NpgsqlParameter { Value = options.LeaseDuration });
            acquire.Parameters.Add(new NpgsqlParameter { Value = partitions.Partitioner.PartitionCount });
            acquire.Parameters.Add(new NpgsqlParameter { Value = count });
            await ReadLeasesAsync(acquire, acquired, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (partition, epoch) in acquired) partitions.Hold(partition, epoch);
        return acquired.Count;
    }

    /// <summary>
    /// Gives drained partitions to <paramref name="recipient"/> at a new epoch, conditional on this silo
    /// still holding each at the epoch it knows and on the recipient being alive and active. Returns
    /// the partitions transferred; the others take calls here again.
    /// </summary>
    public async Task<IReadOnlyList<int>> TransferAsync(IReadOnlyList<int> drained, SiloIdentity recipient, CancellationToken cancellationToken)
    {
        var epochs = drained.Select(partitions.RecordedEpoch).ToArray();
        var moved = new Dictionary<int, long>();
        await using (var transfer = database.CreateCommand("""
            UPDATE partition_leases l SET owner_address = $3, owner_generation = $4, epoch = l.epoch + 1, expires_at = clock_timestamp() + $7
            FROM (SELECT t.partition_id FROM partition_leases t JOIN unnest($5::int[], $6::bigint[]) AS d(partition_id, epoch)
                    ON t.partition_id = d.partition_id AND t.epoch = d.epoch
                  WHERE t.owner_address = $1 AND t.owner_generation = $2 AND t.expires_at > clock_timestamp()
                  ORDER BY t.partition_id FOR NO KEY UPDATE OF t) mine -- partition order, as everywhere: no deadlock
            WHERE l.partition_id = mine.partition_id
              AND EXISTS (SELECT 1 FROM silos s WHERE s.address = $3 AND s.generation = $4
                          AND s.status = 'active' AND s.heartbeat_at > clock_timestamp() - $7 FOR SHARE)
            RETURNING l.partition_id, l.epoch
            """))
        {
            AddOwner(transfer, silo);
            AddOwner(transfer, recipient);
            transfer.Parameters.Add(new NpgsqlParameter { Value = drained.ToArray() });
            transfer.Parameters.Add(new NpgsqlParameter { Value = epochs });
            transfer.Parameters.Add(new NpgsqlParameter { Value = options.LeaseDuration });
            await ReadLeasesAsync(transfer, moved, cancellationToken).ConfigureAwait(false);
        }
        foreach (var partition in drained)
        {
            if (moved.ContainsKey(partition)) partitions.GiveAway(partition, recipient.Address);
            else partitions.Undrain(partition); // not ours any more, or the recipient is gone: the next renewal tells
        }
        return [.. moved.Keys];
    }

    /// <summary>
    /// For a call to a partition this silo does not hold: checks (at most every 50 ms per partition)
    /// whether another silo has just handed it here, and takes it if so.
    /// </summary>
    public Task<bool> ClaimIfHandedAsync(int partition)
    {
        var now = Environment.TickCount64;
        if (now < Volatile.Read(ref _nextClaimCheck[partition])) return _claims.TryGetValue(partition, out var pending) ? pending : Task.FromResult(false);
        Volatile.Write(ref _nextClaimCheck[partition], now + ClaimCheckIntervalMs);
        var claim = ClaimAsync(partition);
        _claims[partition] = claim;
        return claim;
    }

    private async Task<bool> ClaimAsync(int partition)
    {
        if (partitions.IsDraining(partition)) return false;
        await using var query = database.CreateCommand("""
            SELECT epoch FROM partition_leases
            WHERE partition_id = $3 AND owner_address = $1 AND owner_generation = $2 AND expires_at > clock_timestamp()
            """);
        AddOwner(query, silo);
        query.Parameters.Add(new NpgsqlParameter { Value = partition });
        if (await query.ExecuteScalarAsync().ConfigureAwait(false) is not long epoch) return false;
        partitions.Hold(partition, epoch);
        return true;
    }

    /// <summary>Gives every lease back so another silo (or this address's next incarnation) can take it at once.</summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in partitions.Held().ToList()) partitions.GiveAway(partition, null);
        await using var release = database.CreateCommand(
            """
            UPDATE partition_leases l SET expires_at = '-infinity'
            FROM (SELECT partition_id FROM partition_leases WHERE owner_address = $1 AND owner_generation = $2
                  ORDER BY partition_id FOR NO KEY UPDATE) mine -- partition order, as everywhere: no deadlock
            WHERE l.partition_id = mine.partition_id
            """);
        AddOwner(release, silo);
        await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops every lease locally when renewals have failed for longer than a lease lasts, so its activations go.</summary>
    public void ExpireIfStale()
    {
        if (!partitions.IsStale) return;
        foreach (var partition in partitions.Held().ToList()) partitions.Lose(partition);
    }

    private static void AddOwner(NpgsqlCommand command, SiloIdentity owner)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = owner.Address });
        command.Parameters.Add(new NpgsqlParameter { Value = owner.Generation });
    }

    private static async Task ReadLeasesAsync(NpgsqlCommand command, Dictionary<int, long> leases, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) leases[reader.GetInt32(0)] = reader.GetInt64(1);
    }
}
