using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Runtime.Activations;

namespace Tollgate.Bench.Memory;

/// <summary>
/// Counts the silo's activations by grain type, straight from its catalog, so a measurement can
/// show that nothing was collected or dropped meanwhile.
/// </summary>
internal sealed class CatalogCensus(Catalog catalog)
{
    public static CatalogCensus Find(IServiceProvider services) => new(services.GetRequiredService<Catalog>());

    public SortedDictionary<string, int> CountByType()
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var activation in catalog.Activations) counts[activation.Id.Type] = counts.GetValueOrDefault(activation.Id.Type) + 1;
        return counts;
    }

    public int Count() => catalog.Activations.Count();

    /// <summary>
    /// How long one pass over every activation takes, as idle collection (every collection
    /// interval) and a shutdown's deactivation make. The fastest of a few passes.
    /// </summary>
    public TimeSpan TimeOnePass(int passes = 5)
    {
        var fastest = TimeSpan.MaxValue;
        for (var pass = 0; pass < passes; pass++)
        {
            var started = Stopwatch.GetTimestamp();
            var seen = 0;
            foreach (var activation in catalog.Activations) seen += activation.Id.Type.Length > 0 ? 1 : 0; // read each, as a pass does
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (seen == 0) throw new InvalidOperationException("The catalog holds no activations to time.");
            if (elapsed < fastest) fastest = elapsed;
        }
        return fastest;
    }
}
