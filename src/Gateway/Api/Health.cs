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
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Ok(new Liveness("ok")))
            .Documented(ApiDocs.HealthTag).WithSummary("Liveness: the process answers")
            .WithDescription("Always `{\"status\": \"ok\"}` while the process serves HTTP; no token.")
            .Produces<Liveness>();
        app.MapGet("/health/ready", ReadyAsync)
            .Documented(ApiDocs.HealthTag).WithSummary("Readiness: PostgreSQL and the cluster answer")
            .WithDescription("200 when both checks pass (route traffic to this gateway only then), 503 with the same body otherwise. Each check waits at most 2 s; the checks run at most once a second, and hits within that second share their answer; no token.")
            .Produces<Readiness>()
            .Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> ReadyAsync(ReadinessCheck check)
    {
        var readiness = await check.GetAsync();
        return Results.Json(readiness, statusCode: readiness.Status == "ready" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>
/// The readiness checks, run at most once a second: a probe storm (many balancers, a dashboard) costs one query and
/// one grain call a second, and hits within that second share the answer.
/// </summary>
public sealed class ReadinessCheck(NpgsqlDataSource database, IGrainFactory grains, TimeProvider time)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private (Task<Readiness> Answer, long StartedAt)? _last;
    private long _runs;

    /// <summary>How many times the checks ran.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    public Task<Readiness> GetAsync()
    {
        lock (_lock)
        {
            if (_last is { } last && time.GetElapsedTime(last.StartedAt) < Fresh) return last.Answer;
            Interlocked.Increment(ref _runs);
            var answer = RunAsync();
            _last = (answer, time.GetTimestamp());
            return answer;
        }
    }

    private async Task<Readiness> RunAsync()
    {
        var databaseCheck = CheckAsync(async () =>
        {
            await using var ping = database.CreateCommand("SELECT 1");
            await ping.ExecuteScalarAsync();
        });
        var clusterCheck = CheckAsync(() => grains.CallerIp(GrainKeys.IpDefaults).GetLimits());
        var (databaseState, clusterState) = (await databaseCheck, await clusterCheck);
        return new Readiness(databaseState == "ok" && clusterState == "ok" ? "ready" : "not_ready", databaseState, clusterState);
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
