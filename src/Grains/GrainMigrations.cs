using Tollgate.Persistence;

namespace Tollgate.Grains;

/// <summary>The tables of Tollgate's grains (accounts, ledger, usage), applied by the silo's migrator.</summary>
public static class GrainMigrations
{
    public static MigrationSource Source { get; } = new("grains", typeof(GrainMigrations).Assembly);
}
