using Orleans.Dashboard;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// The Orleans dashboard's web part, on the gateway at <c>/dashboard</c>, behind the operator sign-in (never anonymous):
/// one session covers the operator pages and the dashboard. Its data comes from the dashboard grains on the silos
/// (silos with <c>Silo:Dashboard</c> on add it, see the silo's <c>DashboardHosting</c>), called through the gateway's cluster
/// client; when the silos do not feed it, its data calls answer <c>404 dashboard_off</c>.
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
        // Only the dashboard's paths pay for this: an API request passes straight on, with no state machine of its own.
        app.Use(static (context, next) => context.Request.Path.StartsWithSegments(Path) ? ServeAsync(context, next) : next(context));
        app.MapOrleansDashboard(routePrefix: Path).RequireAuthorization(OperatorAuthentication.Policy).ExcludeFromDescription(); // a UI, not the API
    }

    private static async Task ServeAsync(HttpContext context, RequestDelegate next)
    {
        // The dashboard's page loads its scripts relatively: it must be served under "/dashboard/". Routing matches
        // "/dashboard" to its "/dashboard/" endpoint (so sign-in is required first), and this sends the browser on.
        if (context.Request.Path.Value == Path)
        {
            context.Response.Redirect(Path + "/" + context.Request.QueryString);
            return;
        }
        try
        {
            await next(context);
        }
        catch (InvalidOperationException failure) when (IsDashboardOff(failure))
        {
            await ErrorHandling.WriteAsync(context, StatusCodes.Status404NotFound, DashboardOff,
                "The silos do not feed the Orleans dashboard: set Silo:Dashboard=true on every silo to use it (docs/operations.md).");
        }
    }

    /// <summary>The code of a dashboard call refused because the silos do not feed the dashboard (<c>Silo:Dashboard</c> off).</summary>
    public const string DashboardOff = "dashboard_off";

    /// <summary>
    /// A silo without the dashboard still knows its grain classes (the assembly is loaded) but not their services, so
    /// activating one fails: that is how a silo that does not feed the dashboard answers.
    /// </summary>
    private static bool IsDashboardOff(InvalidOperationException failure) =>
        failure.Message.StartsWith("Failed to create an instance of grain type 'Orleans.Dashboard.", StringComparison.Ordinal);

    private sealed class DashboardServices(IServiceCollection services, IConfiguration configuration) : IClientBuilder
    {
        public IServiceCollection Services => services;
        public IConfiguration Configuration => configuration;
    }
}
