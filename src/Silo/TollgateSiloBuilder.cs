using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Tollgate.Grains;
using Tollgate.Persistence;
using Tollgate.Silo.Webhooks;

namespace Tollgate.Silo;

/// <summary>What a silo needs to host Tollgate's grains, whatever its clustering (tests use Orleans' in-memory one).</summary>
public static class TollgateSiloBuilder
{
    public static ISiloBuilder AddTollgateGrains(this ISiloBuilder silo, string connectionString, GroupCommitOptions commits)
    {
        silo.Services.AddSingleton(_ => SiloDatabase.CreateDataSource(connectionString)); // by a factory, so the container disposes it
        silo.Services.AddSingleton(commits);
        silo.Services.AddSingleton<GroupCommitter>();
        const string adoNet = GrainStorage.Name + ".adonet";
        silo.AddAdoNetGrainStorage(adoNet, storage =>
        {
            storage.Invariant = SiloDatabase.Invariant;
            storage.ConnectionString = connectionString;
            storage.GrainStorageSerializer = new GrainStateSerializer();
        });
        // Grain calls continue the caller's trace (spans only while something listens: see Tollgate.Telemetry). Here
        // rather than in SiloApp so that every silo, in-process test ones too, takes part.
        silo.AddActivityPropagation();
        // Alerts leave the cluster from every silo that can reach PostgreSQL: in-process test silos too (options from "Webhooks", SiloApp).
        silo.Services.AddSingleton<DeliveryStore>();
        silo.Services.AddOptions<WebhookOptions>();
        silo.Services.AddHostedService<WebhookDispatcher>();
        silo.Services.AddGrainStorage(GrainStorage.Name, (services, _) => new AdoNetStorageAdapter(services.GetRequiredKeyedService<IGrainStorage>(adoNet), services.GetRequiredService<ILogger<AdoNetStorageAdapter>>()));
        return silo;
    }
}
