using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Runtime.Cluster;

/// <summary>
/// This silo's row in the <c>silos</c> table: registration, heartbeats and the view of which
/// silos are alive, all by the database's clock (never by comparing machines' clocks).
/// </summary>
public sealed class Membership(NpgsqlDataSource database, SiloIdentity silo, SiloOptions options, ILogger<Membership> logger)
{
    /// <summary>A silo whose heartbeat is older than this is dead: the lease duration, so a dead silo's leases are gone too.</summary>
    private TimeSpan DeathTimeout => options.LeaseDuration;

    public async Task RegisterAsync(CancellationToken cancellationToken)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(Command("INSERT INTO silos (address, generation) VALUES ($1, $2)", silo.Address, silo.Generation));
        // An older incarnation at this address is certainly gone: this process holds the address now.
        batch.BatchCommands.Add(Command("UPDATE silos SET status = 'dead' WHERE address = $1 AND generation < $2 AND status <> 'dead'", silo.Address, silo.Generation));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Silo {Silo} joined the cluster", silo);
    }

    /// <summary>Heartbeats and declares stale silos dead. False when this silo was itself declared dead (it must stop).</summary>
    public async Task<bool> HeartbeatAsync(CancellationToken cancellationToken)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(Command(
            "UPDATE silos SET heartbeat_at = clock_timestamp() WHERE address = $1 AND generation = $2 AND status <> 'dead'", silo.Address, silo.Generation));
        batch.BatchCommands.Add(Command(
            "UPDATE silos SET status = 'dead' WHERE status <> 'dead' AND heartbeat_at < clock_timestamp() - $1", DeathTimeout));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[0].RecordsAffected == 1;
    }

    /// <summary>Live silos (active, fresh heartbeat) in a stable order, each with the leases it holds now.</summary>
    public async Task<IReadOnlyList<(SiloIdentity Silo, int Leases)>> LiveSilosAsync(CancellationToken cancellationToken)
    {
        await using var query = database.CreateCommand("""
            SELECT s.address, s.generation, count(l.partition_id)::int
            FROM silos s LEFT JOIN partition_leases l
              ON l.owner_address = s.address AND l.owner_generation = s.generation AND l.expires_at > clock_timestamp()
            WHERE s.status = 'active' AND s.heartbeat_at > clock_timestamp() - $1
            GROUP BY s.address, s.generation ORDER BY s.address, s.generation
            """);
        query.Parameters.Add(new NpgsqlParameter { Value = DeathTimeout });
        var live = new List<(SiloIdentity, int)>();
        await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            live.Add((new SiloIdentity(reader.GetString(0), reader.GetInt64(1)), reader.GetInt32(2)));
        return live;
    }

    /// <summary>Marks this silo stopping (no more partitions come to it) or dead (it has stopped).</summary>
    public async Task SetStatusAsync(string status, CancellationToken cancellationToken)
    {
        await using var update = database.CreateCommand("UPDATE silos SET status = $3 WHERE address = $1 AND generation = $2 AND status <> 'dead'");
        update.Parameters.Add(new NpgsqlParameter { Value = silo.Address });
        update.Parameters.Add(new NpgsqlParameter { Value = silo.Generation });
        update.Parameters.Add(new NpgsqlParameter { Value = status });
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}
