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
        // Random placement: accounts, keys, caller IPs and models are many small grains of like cost, so an even spread is the
        // balance. Orleans' default (resource-optimized) scores silos by statistics published once a second and prefers the
        // silo a call arrived at, so a burst of activations (a deploy, a restart) went almost all to one silo (294 of 300).
        silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
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
