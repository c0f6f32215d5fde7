using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Runtime.Activations;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Persistence;
using Tollgate.Runtime.Transport;

namespace Tollgate.Runtime.Hosting;

/// <summary>Turns an ASP.NET Core application into a silo: storage, leases, activations and the grain endpoint.</summary>
public static class SiloHostBuilder
{
    /// <summary>
    /// Prepares the database (starting a private local PostgreSQL when none is configured, then
    /// applying migrations), draws this silo's generation and registers the runtime's services.
    /// </summary>
    public static async Task AddSiloAsync(this WebApplicationBuilder builder, Action<GrainRegistry> registerGrains,
        IEnumerable<MigrationSource> migrations, MessageCatalog messages, CancellationToken cancellationToken = default)
    {
        var options = builder.Configuration.GetSection("Silo").Get<SiloOptions>() ?? new SiloOptions();
        if (options.Port == 0) options.Port = FreeLoopbackPort();
        var listen = IPAddress.Parse(builder.Configuration["Silo:ListenAddress"] ?? "127.0.0.1");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(listen, options.Port, endpoint => endpoint.Protocols = HttpProtocols.Http2));

        var database = await OpenDatabaseAsync(builder, cancellationToken).ConfigureAwait(false);
        using (var loggers = LoggerFactory.Create(logging => logging.AddConsole()))
        {
            await new Migrator(database, loggers.CreateLogger<Migrator>())
                .ApplyAsync([new MigrationSource("runtime", typeof(SiloHostBuilder).Assembly), .. migrations], cancellationToken).ConfigureAwait(false);
        }
        await using var generation = database.CreateCommand("SELECT nextval('silo_generations')");
        var silo = new SiloIdentity(options.AdvertisedAddress ?? $"http://127.0.0.1:{options.Port}", (long)(await generation.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);

        var registry = new GrainRegistry(messages);
        registerGrains(registry);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(silo);
        services.AddSingleton(_ => database); // created by a factory, so the container disposes it (and its pooled connections) on stop
        services.AddSingleton(messages);
        services.AddSingleton(registry);
        services.AddSingleton(options.GroupCommit);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new Partitioner(options.PartitionCount));
        services.AddSingleton<PartitionTable>();
        services.AddSingleton<GroupCommitter>();
        services.AddSingleton<LeaseManager>();
        services.AddSingleton<Membership>();
        services.AddSingleton<ClusterTableEndpoint.Cache>();
        services.AddSingleton<Catalog>();
        services.AddSingleton<GrainCallDispatcher>();
        services.AddSingleton<CallStreamSession.Factory>();
        services.AddSingleton(provider => new LocalGrainCaller(provider.GetRequiredService<Catalog>(), registry, options));
        services.AddHostedService<SiloService>();
    }

    /// <summary>Serves grain calls (<c>/grain-calls</c>, <c>/grain-call</c>) and the cluster table.</summary>
    public static WebApplication MapSilo(this WebApplication app)
    {
        app.MapGrainCalls();
        app.MapClusterTable();
        return app;
    }

    private static async Task<NpgsqlDataSource> OpenDatabaseAsync(WebApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var connectionString = builder.Configuration["Postgres:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            // No database configured: run a private one from the machine's PostgreSQL binaries.
            var folder = Path.GetFullPath(builder.Configuration["Postgres:LocalDataDirectory"] ?? Path.Combine(".tollgate", "postgres"));
            var local = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: false), NullLogger.Instance, cancellationToken).ConfigureAwait(false);
            builder.Services.AddHostedService(_ => new StopOnShutdown(local));
            connectionString = local.ConnectionString;
        }
        var dataSource = new NpgsqlDataSourceBuilder(connectionString);
        dataSource.ConnectionStringBuilder.MaxPoolSize = Math.Max(dataSource.ConnectionStringBuilder.MaxPoolSize, 50);
        // The silo runs a few statements over and over (state writes, ledger and usage inserts): prepared
        // once per connection, PostgreSQL skips parsing and planning them, which was most of its CPU.
        if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0) dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
        return dataSource.Build();
    }

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the private PostgreSQL after everything else has stopped.</summary>
    private sealed class StopOnShutdown(LocalPostgres postgres) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => postgres.DisposeAsync().AsTask();
    }
}
