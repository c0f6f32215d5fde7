using Npgsql;
using Tollgate.Grains;

namespace Tollgate.Gateway.Api;

public sealed record Liveness(string Status);

/// <param name="Status"><c>ready</c> or <c>not_ready</c>.</param>
/// <param name="Database"><c>ok</c>, <c>timeout</c> or the failure's exception type.</param>
/// <param name="Cluster"><c>ok</c>, <c>timeout</c> or the failure's exception type.</param>
public sealed record Readiness(string Status, string Database, string Cluster);

/// <summary>
/// <c>GET /health</c>: the process answers (liveness). <c>GET /health/ready</c>: it can serve, because PostgreSQL
/// answers and a grain of the cluster does (readiness: route traffic to it only then). Neither needs a token.
/// </summary>
internal static class Health
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Ok(new Liveness("ok")))
            .Documented(ApiDocs.HealthTag).WithSummary("Liveness: the process answers")
            .WithDescription("Always `{\"status\": \"ok\"}` while the process serves HTTP; no token.")
            .Produces<Liveness>();
        app.MapGet("/health/ready", ReadyAsync)
            .Documented(ApiDocs.HealthTag).WithSummary("Readiness: PostgreSQL and the cluster answer")
            .WithDescription("200 when both checks pass (route traffic to this gateway only then), 503 with the same body otherwise. Each check waits at most 2 s; no token.")
            .Produces<Readiness>()
            .Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> ReadyAsync(NpgsqlDataSource database, IGrainFactory grains)
    {
        var databaseCheck = CheckAsync(async () =>
        {
            await using var ping = database.CreateCommand("SELECT 1");
            await ping.ExecuteScalarAsync();
        });
        var clusterCheck = CheckAsync(() => grains.CallerIp(GrainKeys.IpDefaults).GetLimits());
        var (databaseState, clusterState) = (await databaseCheck, await clusterCheck);
        var ready = databaseState == "ok" && clusterState == "ok";
        return Results.Json(new Readiness(ready ? "ready" : "not_ready", databaseState, clusterState),
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<string> CheckAsync(Func<Task> check)
    {
        try
        {
            await check().WaitAsync(CheckTimeout);
            return "ok";
        }
        catch (Exception ex)
        {
            return ex is TimeoutException ? "timeout" : ex.GetType().Name;
        }
    }
}
