namespace Tollgate.Gateway.Operator;

/// <summary>One silo as the overview shows it: its address, status and activations (Orleans' management grain).</summary>
public sealed record SiloRow(string Address, string Status, int Activations);

/// <summary>The silos and their activations, by grain type, from Orleans' <see cref="IManagementGrain"/>.</summary>
public sealed record ClusterView(IReadOnlyList<SiloRow> Silos, IReadOnlyList<(string GrainType, int Activations)> ByGrainType)
{
    public static async Task<ClusterView> ReadAsync(IGrainFactory grains)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: false);
        var statistics = await management.GetSimpleGrainStatistics();
        var perSilo = statistics.GroupBy(s => s.SiloAddress).ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount));
        var silos = hosts.Where(h => h.Value is SiloStatus.Active or SiloStatus.Joining or SiloStatus.ShuttingDown or SiloStatus.Stopping)
            .OrderBy(h => h.Key.ToString(), StringComparer.Ordinal)
            .Select(h => new SiloRow(h.Key.ToString(), h.Value.ToString(), perSilo.GetValueOrDefault(h.Key)))
            .ToList();
        var byType = statistics.GroupBy(s => ShortName(s.GrainType)).Select(g => (g.Key, g.Sum(s => s.ActivationCount)))
            .OrderByDescending(t => t.Item2).ThenBy(t => t.Key, StringComparer.Ordinal).ToList();
        return new ClusterView(silos, byType);
    }

    private static string ShortName(string grainType)
    {
        var name = grainType.Split(',')[0];
        return name[(name.LastIndexOf('.') + 1)..];
    }
}
