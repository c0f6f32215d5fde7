using Npgsql;

namespace Tollgate.Gateway.Usage;

/// <summary><c>GET /api/usage</c> (admin token): totals and groups of usage events over a time window.</summary>
public static class UsageEndpoints
{
    public static void MapUsageQueries(this IEndpointRouteBuilder api) => api.MapGet("/usage", QueryAsync);

    private static async Task<IResult> QueryAsync(HttpRequest request, NpgsqlDataSource database, TimeProvider time)
    {
        var query = UsageQuery.Parse(request.Query, time.GetUtcNow());
        return Results.Ok(await query.RunAsync(database, request.HttpContext.RequestAborted));
    }
}
