using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Tollgate.Bench.Load;

/// <summary>
/// The meter factory of the load generator's HTTP handlers: one of its own, whose meters the targets'
/// telemetry drops (a host keeps its own meters and unscoped ones: TollgateTelemetry). On HttpClient's process-wide
/// meter, the gateway's and the silo's OpenTelemetry recorded every request the generator sent, a cost of the bench's
/// that a profile of the uniform row put at about 5 % of the process's CPU samples, charged to whichever target ran.
/// </summary>
internal static class GeneratorHttp
{
    public static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
}
