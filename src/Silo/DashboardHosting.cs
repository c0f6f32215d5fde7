using Orleans.Dashboard;

namespace Tollgate.Silo;

/// <summary>
/// Every silo adds the Orleans dashboard's grains and statistics collection (only silos that add it feed it). Its web
/// part is not served here: the gateway serves it at <c>/dashboard</c> behind the operator sign-in, so a silo's own
/// HTTP port (health probes) serves no dashboard, anonymous or not. The live log stream ("trace") is off: it would
/// stream what the silo logs, which names accounts, keys and models.
/// </summary>
public static class DashboardHosting
{
    public static ISiloBuilder AddTollgateDashboard(this ISiloBuilder silo) => silo.AddDashboard(options => options.HideTrace = true);
}
