using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Tollgate.Gateway.Metering;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// A stopped gateway and silo leave nothing reachable: the test suite hosts hundreds in one process, and things kept
/// them (the suite's process grew past 20 GB and was killed): ASP.NET Core's rate-limiting middleware, whose limiter's
/// timer is never stopped, held each gateway whole; gauges a gateway made on the process's static meter held its
/// journal and its database connections; and every metrics provider took in every other host's instruments.
/// </summary>
public sealed class HostLifetimeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_stopped_gateway_and_silo_are_collected_and_no_gauge_outlives_its_gateway()
    {
        var (gateway, silo) = await ServeAndStopAsync();
        for (var i = 0; i < 10 && (gateway.IsAlive || silo.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(100); // timers and connections that a stop ended finish their last callbacks
        }
        Assert.False(gateway.IsAlive, "a stopped gateway's services are still reachable");
        Assert.False(silo.IsAlive, "a stopped silo's services are still reachable");

        // A gauge reads its gateway: one on the process's static meter (no scope) would keep the gateway's journal for ever.
        var onStaticMeter = new List<string>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == GatewayMetrics.MeterName && instrument.Meter.Scope is null && instrument.IsObservable)
                    lock (onStaticMeter) onStaticMeter.Add(instrument.Name);
            };
            listener.Start(); // publishes every instrument there is, those of gateways other tests run included
        }
        Assert.Empty(onStaticMeter);
    }

    /// <summary>A proxied request through a whole stack (the console's sign-in page too), then its stop; weak references to its gateway and silo.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<(WeakReference Gateway, WeakReference Silo)> ServeAndStopAsync()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        using (var signIn = await stack.Cluster.Gateway.GetAsync("/ops/signin")) signIn.EnsureSuccessStatusCode();
        using (var answer = await stack.Proxy().SendAsync(ProxyCalls.Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}""")))
            answer.EnsureSuccessStatusCode();
        await stack.OnlySettledAsync();
        return (new WeakReference(stack.Cluster.GatewayServices()), new WeakReference(stack.Cluster.SiloService<IServiceProvider>()));
    }
}
