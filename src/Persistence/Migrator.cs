using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Tollgate.Persistence;

/// <summary>
/// A component's ordered SQL migrations, embedded in its assembly with the logical names
/// <c>migrations/{component}/NNNN_description.sql</c>.
/// </summary>
public sealed record MigrationSource(string Component, Assembly Assembly);

/// <summary>
/// Applies versioned SQL migrations at silo start. Silos starting at once serialize on a
/// PostgreSQL advisory lock, so each migration runs exactly once; each runs in its own transaction.
/// </summary>
public sealed class Migrator(NpgsqlDataSource database, ILogger<Migrator> logger)
{
    /// <summary>
    /// The cluster's own tables: the Orleans ADO.NET schema (membership, grain state, their queries). Named
    /// "runtime" because these migrations began as the retired runtime's schema, and applied ones keep their name.
    /// </summary>
    public static MigrationSource Cluster { get; } = new("runtime", typeof(Migrator).Assembly);

    // An arbitrary constant that names "Tollgate schema migration" among advisory locks.
    private const long AdvisoryLockKey = 0x5417_6A7E_0001;

    public async Task ApplyAsync(IEnumerable<MigrationSource> sources, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    component  text        NOT NULL,
                    version    integer     NOT NULL,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (component, version))
                """, cancellationToken);
            foreach (var source in sources)
            {
                await ApplySourceAsync(connection, source, cancellationToken);
            }
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private async Task ApplySourceAsync(NpgsqlConnection connection, MigrationSource source, CancellationToken cancellationToken)
    {
        var applied = new HashSet<int>();
        await using (var query = new NpgsqlCommand("SELECT version FROM schema_migrations WHERE component = $1", connection))
        {
            query.Parameters.Add(new NpgsqlParameter { Value = source.Component });
            await using var reader = await query.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetInt32(0));
        }

        foreach (var (version, name, sql) in Discover(source))
        {
            if (applied.Contains(version)) continue;
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var migrate = new NpgsqlCommand(sql, connection, transaction))
            {
                await migrate.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = source.Component });
                record.Parameters.Add(new NpgsqlParameter { Value = version });
                record.Parameters.Add(new NpgsqlParameter { Value = name });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Applied migration {Component} {Version} {Name}", source.Component, version, name);
        }
    }

    private static IEnumerable<(int Version, string Name, string Sql)> Discover(MigrationSource source)
    {
        var prefix = $"migrations/{source.Component}/";
        var migrations = new List<(int, string, string)>();
        foreach (var resource in source.Assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var name = resource[prefix.Length..^4];
            var separator = name.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(name.AsSpan(0, separator), out var version))
                throw new InvalidOperationException($"Migration {resource} must be named NNNN_description.sql.");
            using var stream = source.Assembly.GetManifestResourceStream(resource)!;
            using var text = new StreamReader(stream);
            migrations.Add((version, name, text.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Item1 == migrations[i - 1].Item1)
                throw new InvalidOperationException($"Two migrations of {source.Component} have version {migrations[i].Item1}.");
        }
        return migrations;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
