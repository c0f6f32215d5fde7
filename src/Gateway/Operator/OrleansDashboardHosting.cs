using Orleans.Dashboard;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// The Orleans dashboard's web part, on the gateway at <c>/dashboard</c>, behind the operator sign-in (never anonymous):
/// one session covers the operator pages and the dashboard. Its data comes from the dashboard grains on the silos
/// (each silo adds the dashboard, see the silo's <c>DashboardHosting</c>), called through the gateway's cluster client.
/// Its live log stream ("trace") is off: it would stream this gateway's log, which names accounts, keys and models.
/// </summary>
internal static class OrleansDashboardHosting
{
    public const string Path = "/dashboard";

    public static void AddOrleansDashboardUi(this IServiceCollection services, IConfiguration configuration) =>
        // The dashboard registers its web services on a client builder; the gateway's cluster client may be one made
        // elsewhere (an in-process test cluster's), so they go straight into the gateway's own services. They call
        // the silos through the IGrainFactory the gateway already has.
        new DashboardServices(services, configuration).AddDashboard(Configure);

    /// <summary>The dashboard's options, the same on the silos and here.</summary>
    public static void Configure(DashboardOptions options) => options.HideTrace = true;

    public static void MapOrleansDashboardUi(this WebApplication app)
    {
        // The dashboard's page loads its scripts relatively: it must be served under "/dashboard/". Routing matches
        // "/dashboard" to its "/dashboard/" endpoint (so sign-in is required first), and this sends the browser on.
        app.Use(static (context, next) =>
        {
            if (context.Request.Path.Value != Path) return next(context);
            context.Response.Redirect(Path + "/" + context.Request.QueryString);
            return Task.CompletedTask;
        });
        app.MapOrleansDashboard(routePrefix: Path).RequireAuthorization(OperatorAuthentication.Policy).ExcludeFromDescription(); // a UI, not the API
    }

    private sealed class DashboardServices(IServiceCollection services, IConfiguration configuration) : IClientBuilder
    {
        public IServiceCollection Services => services;
        public IConfiguration Configuration => configuration;
    }
}
