using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Grains;
using Tollgate.Persistence;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Persistence;

public sealed class MigratorTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Silos_starting_at_once_apply_each_migration_exactly_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        MigrationSource[] sources = [Migrator.Cluster, GrainMigrations.Source];

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            new Migrator(dataSource, NullLogger<Migrator>.Instance).ApplyAsync(sources, CancellationToken.None))));

        var applied = await Ledger.ScalarAsync(database, "SELECT count(*) FROM schema_migrations");
        var embedded = sources.Sum(s => s.Assembly.GetManifestResourceNames().Count(n => n.StartsWith($"migrations/{s.Component}/", StringComparison.Ordinal)));
        Assert.True(embedded >= 2);
        Assert.Equal(embedded, applied);

        // Running again later is a no-op.
        await new Migrator(dataSource, NullLogger<Migrator>.Instance).ApplyAsync(sources, CancellationToken.None);
        Assert.Equal(applied, await Ledger.ScalarAsync(database, "SELECT count(*) FROM schema_migrations"));
    }
}
