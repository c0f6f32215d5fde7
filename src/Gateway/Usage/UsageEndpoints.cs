using Microsoft.OpenApi;
using Npgsql;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Usage;

/// <summary><c>GET /api/usage</c> (admin token): totals and groups of usage events over a time window.</summary>
public static class UsageEndpoints
{
    public static void MapUsageQueries(this IEndpointRouteBuilder api) => api.MapGet("/usage", QueryAsync)
        .Documented(ApiDocs.UsageTag).Secured(ApiDocs.AdminToken)
        .WithSummary("Query usage")
        .WithDescription("Totals of the usage events in a window (the last 24 hours by default), and optionally groups of them, biggest cost first. "
            + "Denied requests count as requests and denials but not as tokens.")
        .Query("period", JsonSchemaType.String, "hour, day or month: the current one, in UTC (instead of since/until).")
        .Query("since", JsonSchemaType.String, "Start of the window (RFC 3339); a day ago by default.")
        .Query("until", JsonSchemaType.String, "End of the window, exclusive (RFC 3339); now by default.")
        .Query("group_by", JsonSchemaType.String, $"Comma-separated dimensions: {string.Join(", ", UsageQuery.Dimensions.Keys)}.")
        .Query("limit", JsonSchemaType.Integer, "Groups at most, 1 to 10000; 100 by default (truncated says when there were more).")
        .Query("model", JsonSchemaType.String, "Only this model.")
        .Query("account", JsonSchemaType.String, "Only this account id.")
        .Query("api_key", JsonSchemaType.String, "Only this key id.")
        .Query("ip", JsonSchemaType.String, "Only this caller IP.")
        .Query("outcome", JsonSchemaType.String, "Only this outcome (success, upstream_error, …).")
        .Produces<UsageReport>()
        .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> QueryAsync(HttpRequest request, NpgsqlDataSource database, TimeProvider time)
    {
        var query = UsageQuery.Parse(request.Query, time.GetUtcNow());
        return Results.Ok(await query.RunAsync(database, request.HttpContext.RequestAborted));
    }
}
