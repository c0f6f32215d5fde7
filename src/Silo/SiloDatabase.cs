using Npgsql;
using Tollgate.Grains;
using Tollgate.Persistence;

namespace Tollgate.Silo;

/// <summary>The silo's PostgreSQL: the configured one or a private local one, migrated before the silo starts.</summary>
public static class SiloDatabase
{
    /// <summary>The ADO.NET invariant name Orleans' providers load Npgsql by.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Starts a private PostgreSQL when none is configured, applies migrations, and returns the connection string.</summary>
    internal static async Task<string> PrepareAsync(WebApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var connectionString = builder.Configuration["Postgres:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var folder = Path.GetFullPath(builder.Configuration["Postgres:LocalDataDirectory"] ?? Path.Combine(".tollgate", "postgres"));
            var local = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: false), null, cancellationToken);
            builder.Services.AddHostedService(_ => new StopOnShutdown(local));
            connectionString = local.ConnectionString;
        }
        await MigrateAsync(connectionString, cancellationToken);
        return connectionString;
    }

    /// <summary>Applies every migration the silo needs (the Orleans tables and the grains'), under the migrator's lock.</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken = default, LogLevel logLevel = LogLevel.Information)
    {
        await using var database = CreateDataSource(connectionString);
        using var loggers = LoggerFactory.Create(logging => logging.AddConsole().SetMinimumLevel(logLevel));
        await new Migrator(database, loggers.CreateLogger<Migrator>()).ApplyAsync([Migrator.Cluster, GrainMigrations.Source], cancellationToken);
    }

    private const string IdleInTransactionSetting = "idle_in_transaction_session_timeout";

    /// <summary>How long the database lets a silo's transaction sit idle: far above a healthy COMMIT's round trip, below the time failure detection takes to declare a silo dead.</summary>
    public static readonly TimeSpan IdleInTransactionTimeout = TimeSpan.FromSeconds(5);

    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString);
        dataSource.ConnectionStringBuilder.MaxPoolSize = Math.Max(dataSource.ConnectionStringBuilder.MaxPoolSize, 50);
        // The silo runs a few statements over and over (ledger and usage inserts, account updates): prepared
        // once per connection, PostgreSQL skips parsing and planning them, which was most of its CPU.
        if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0) dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
        // A group commit sends its COMMIT with its statements, but a silo paused (SIGSTOP, a VM freeze) while sending
        // a large batch leaves PostgreSQL holding the rows it updated locked, and the silo that takes its accounts over
        // waits on them until it resumes. PostgreSQL ends such a transaction once it is idle this long; the paused
        // silo's batch then fails as an unknown outcome, which it resolves by the transaction's id.
        if (dataSource.ConnectionStringBuilder.Options?.Contains(IdleInTransactionSetting, StringComparison.Ordinal) != true)
            dataSource.ConnectionStringBuilder.Options = $"{dataSource.ConnectionStringBuilder.Options} -c {IdleInTransactionSetting}={IdleInTransactionTimeout.TotalMilliseconds:F0}".Trim();
        return dataSource.Build();
    }

    /// <summary>Stops the private PostgreSQL after everything else has stopped.</summary>
    private sealed class StopOnShutdown(LocalPostgres postgres) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => postgres.DisposeAsync().AsTask();
    }
}
