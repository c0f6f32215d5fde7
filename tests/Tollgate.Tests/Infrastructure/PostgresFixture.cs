using System.Runtime.InteropServices;
using Npgsql;
using Tollgate.Persistence;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// A test class's way to the test process's one PostgreSQL server (<see cref="TestPostgres"/>): each test gets a
/// database of its own there, so classes that share nothing else run side by side. Classes take it as a class
/// fixture, or from the <see cref="Serial"/> collection.
/// </summary>
public sealed class PostgresFixture
{
    /// <summary>Creates a fresh, uniquely named database and returns a connection string for it.</summary>
    public Task<string> CreateDatabaseAsync() => TestPostgres.CreateDatabaseAsync();
}

/// <summary>
/// The classes that run alone, after all the others (xunit runs a collection that disables parallelization last, by
/// itself): failure detection on real processes, whose timing a neighbour's load would change, and tests that count
/// what the gateway's process-wide meter records, which gateways of other tests would add to.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Serial : ICollectionFixture<PostgresFixture>
{
    public const string Name = "serial";
}

/// <summary>
/// One PostgreSQL server per test process: an existing one named by TOLLGATE_TEST_POSTGRES (a connection string),
/// otherwise an ephemeral <see cref="LocalPostgres"/> in a fresh temp dir, started on first use and stopped (its
/// data deleted) when the process exits, also when a run is aborted by a signal.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<Task<Server>> Shared = new(StartAsync);

    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await Shared.Value;
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        server.Created(name);
        return new NpgsqlConnectionStringBuilder(server.AdminConnectionString)
        {
            Database = name,
            Pooling = true,
            MaxPoolSize = 50,
            IncludeErrorDetail = true,
        }.ToString();
    }

    /// <summary>
    /// Closes the idle pooled connections to one test's database, which Orleans' ADO.NET providers (pooled by connection
    /// string) would otherwise keep for minutes until the server's connection limit is reached. Only this database's
    /// pool: clearing every pool would cut the connections of the tests running beside it.
    /// </summary>
    public static void ReleaseConnections(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        NpgsqlConnection.ClearPool(connection);
    }

    private static async Task<Server> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("TOLLGATE_TEST_POSTGRES") is { Length: > 0 } external) return new Server(external, null);
        RemoveLeftovers();
        var directory = Path.Combine(Path.GetTempPath(), DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]);
        var local = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory, Ephemeral: true));
        return new Server(local.ConnectionString, local);
    }

    private const string DirectoryPrefix = "tollgate-test-";

    /// <summary>
    /// Deletes the data directories of earlier runs whose server is gone. A run deletes its own as its process exits,
    /// but the test host is often ended before a directory of gigabytes is gone (and a killed run never gets there),
    /// so each run left one behind and they filled the disk.
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            if (ServerRunsIn(directory)) continue; // another test process's, still in use
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // someone else's, or going away already: not this run's concern
            }
        }
    }

    /// <summary>Whether a PostgreSQL server runs in <paramref name="directory"/>: its postmaster.pid names a live process.</summary>
    private static bool ServerRunsIn(string directory)
    {
        try
        {
            var pidFile = Path.Combine(directory, "postmaster.pid");
            if (!File.Exists(pidFile)) return Directory.GetLastWriteTimeUtc(directory) > DateTime.UtcNow.AddMinutes(-10); // being set up right now, perhaps
            using var process = System.Diagnostics.Process.GetProcessById(int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture));
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return false; // no such process, or an unreadable pid file: nothing runs there
        }
    }

    private sealed class Server
    {
        private readonly LocalPostgres? _local;
        private readonly List<string> _databases = [];
        private readonly List<PosixSignalRegistration> _signals = [];
        private int _stopped;

        public Server(string adminConnectionString, LocalPostgres? local)
        {
            (AdminConnectionString, _local) = (adminConnectionString, local);
            // xunit 2 has no fixture of a whole run: the server goes with the process. Since .NET 10 SIGTERM no longer
            // raises ProcessExit, so termination signals get their own handler (their default action still follows).
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
            foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP })
                _signals.Add(PosixSignalRegistration.Create(signal, _ => Stop()));
        }

        public string AdminConnectionString { get; }

        public void Created(string database)
        {
            lock (_databases) _databases.Add(database);
        }

        private void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
            NpgsqlConnection.ClearAllPools(); // the process is ending: nothing runs beside this any more
            if (_local is not null)
            {
                _local.DisposeAsync().AsTask().GetAwaiter().GetResult(); // stops the server and deletes its data directory
                return;
            }
            DropDatabases();
        }

        /// <summary>On a shared external server, leave no per-test databases piling up (best effort: leftovers are only untidy).</summary>
        private void DropDatabases()
        {
            try
            {
                using var connection = new NpgsqlConnection(AdminConnectionString);
                connection.Open();
                lock (_databases)
                {
                    foreach (var name in _databases)
                    {
                        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                        drop.ExecuteNonQuery();
                    }
                }
            }
            catch (NpgsqlException)
            {
            }
        }
    }
}
