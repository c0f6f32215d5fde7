using System.Runtime.InteropServices;
using Npgsql;
using Tollgate.Persistence;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server per test run: an existing one named by TOLLGATE_TEST_POSTGRES (a connection string),
/// otherwise an ephemeral <see cref="LocalPostgres"/> in a fresh temp dir. Each test gets its own database.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly List<string> _createdDatabases = [];
    private readonly List<PosixSignalRegistration> _signalRegistrations = [];
    private LocalPostgres? _server;
    private string _adminConnectionString = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("TOLLGATE_TEST_POSTGRES") is { Length: > 0 } external)
        {
            _adminConnectionString = external;
            return;
        }
        var dir = Path.Combine(Path.GetTempPath(), "tollgate-test-" + Guid.NewGuid().ToString("N")[..12]);
        _server = await LocalPostgres.StartAsync(new LocalPostgresOptions(dir, Ephemeral: true));
        _adminConnectionString = _server.ConnectionString;
        // DisposeAsync never runs if the run is aborted; don't orphan the postmaster. Since .NET 10 SIGTERM no
        // longer raises ProcessExit, so termination signals get their own handler (default action still follows).
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP })
            _signalRegistrations.Add(PosixSignalRegistration.Create(signal, _ => StopOnAbort()));
    }

    /// <summary>Creates a fresh, uniquely named database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var conn = new NpgsqlConnection(_adminConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        lock (_createdDatabases) _createdDatabases.Add(name);
        return new NpgsqlConnectionStringBuilder(_adminConnectionString)
        {
            Database = name,
            Pooling = true,
            MaxPoolSize = 50,
            IncludeErrorDetail = true,
        }.ToString();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            _signalRegistrations.ForEach(r => r.Dispose());
            await _server.DisposeAsync(); // stops the server and deletes its data directory
            return;
        }
        // Shared external server: don't leave per-test databases piling up.
        try
        {
            await using var conn = new NpgsqlConnection(_adminConnectionString);
            await conn.OpenAsync();
            foreach (var name in _createdDatabases)
            {
                await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
                await cmd.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException)
        {
            // Best effort: leftover databases are harmless, only untidy.
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => StopOnAbort();

    private void StopOnAbort() => _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
}

[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
}
