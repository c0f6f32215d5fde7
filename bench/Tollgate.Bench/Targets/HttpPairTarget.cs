using System.Diagnostics;

namespace Tollgate.Bench.Targets;

/// <summary>
/// Runs pairs over HTTP against a metering API of Tollgate's shape: <c>POST {prefix}/authorize</c>
/// then <c>POST {prefix}/settle</c>. Tollgate's gateway, the redis-postgres and postgres-direct
/// baselines and the ceiling all answer it, so all are driven by the same client code.
/// </summary>
public sealed class HttpPairTarget(string name, Uri baseAddress, string prefix, string token) : IPairTarget, IDisposable
{
    private readonly MeteringClient _client = new(baseAddress, prefix, token);
    private long _charged;

    public string Name { get; } = name;

    /// <summary>The front's address and the API's path prefix (for an outside load generator).</summary>
    public Uri BaseAddress { get; } = baseAddress;
    public string Prefix { get; } = prefix;

    /// <summary>Everything this target charged, warm-up included (for the invariant check).</summary>
    public long TotalCharged => Interlocked.Read(ref _charged);

    /// <summary>Adds what was charged through another client (wrk), so the invariant check still balances.</summary>
    public void AddCharged(long amount) => Interlocked.Add(ref _charged, amount);

    public async Task<PairResult> RunPairAsync(string accountId, string requestId)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var authorized = await _client.AuthorizeAsync(accountId, requestId);
            if (!authorized.Allowed) return new PairResult(default, default, 0, authorized.Denial);
            var authorizeTime = Stopwatch.GetElapsedTime(started);

            started = Stopwatch.GetTimestamp();
            var (charged, error) = await _client.SettleAsync(authorized.ReservationId!);
            if (error is not null) return new PairResult(default, default, 0, error);
            Interlocked.Add(ref _charged, charged);
            return new PairResult(authorizeTime, Stopwatch.GetElapsedTime(started), charged, null);
        }
        catch (HttpRequestException ex)
        {
            return new PairResult(default, default, 0, "http:" + ex.HttpRequestError);
        }
        catch (TaskCanceledException)
        {
            return new PairResult(default, default, 0, "client_timeout");
        }
    }

    public void Dispose() => _client.Dispose();
}
