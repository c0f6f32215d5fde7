using Tollgate.Grains.Accounts;
using Tollgate.Grains.CallerIps;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Models;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Grains;

/// <summary>What a silo needs to host Tollgate's grains: their registrations and their tables.</summary>
public static class TollgateGrains
{
    public static void Register(GrainRegistry registry) => registry
        .Add<AccountGrain>(GrainTypes.Account)
        .Add<ModelGrain>(GrainTypes.Model)
        .Add<ApiKeyGrain>(GrainTypes.ApiKey)
        .Add<CallerIpGrain>(GrainTypes.CallerIp);

    public static IEnumerable<MigrationSource> Migrations => [new MigrationSource("grains", typeof(TollgateGrains).Assembly)];
}
