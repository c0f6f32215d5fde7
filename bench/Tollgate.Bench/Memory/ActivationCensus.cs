using System.Diagnostics;
using Orleans.Serialization.TypeSystem;

namespace Tollgate.Bench.Memory;

/// <summary>
/// Counts the cluster's activations as Orleans does, through its management grain: the total (each
/// silo's catalog count) and per grain class, so a measurement can show that nothing was collected or
/// dropped meanwhile and that every answered call left an activation behind.
/// </summary>
internal sealed class ActivationCensus(IGrainFactory grains)
{
    private readonly IManagementGrain _management = grains.GetGrain<IManagementGrain>(0);

    /// <summary>Activations on every active silo (<see cref="IManagementGrain.GetTotalActivationCount"/>), Orleans' own grains included.</summary>
    public Task<int> TotalAsync() => _management.GetTotalActivationCount();

    /// <summary>Activations by grain class name, summed over the silos (<see cref="IManagementGrain.GetSimpleGrainStatistics()"/>).</summary>
    public async Task<SortedDictionary<string, int>> ByClassAsync()
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var statistic in await _management.GetSimpleGrainStatistics())
            counts[statistic.GrainType] = counts.GetValueOrDefault(statistic.GrainType) + statistic.ActivationCount;
        return counts;
    }

    /// <summary>How long one <see cref="ByClassAsync"/> takes with this many activations: the fastest of a few.</summary>
    public async Task<TimeSpan> TimeByClassAsync(int calls = 5)
    {
        var fastest = TimeSpan.MaxValue;
        for (var call = 0; call < calls; call++)
        {
            var started = Stopwatch.GetTimestamp();
            await ByClassAsync();
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed < fastest) fastest = elapsed;
        }
        return fastest;
    }

    /// <summary>The name the statistics give a grain class.</summary>
    public static string ClassName(Type grainClass) => RuntimeTypeNameFormatter.Format(grainClass);
}
