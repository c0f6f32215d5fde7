using BenchmarkDotNet.Attributes;
using Tollgate.Grains.Limits;

namespace Tollgate.Microbench.Limits;

/// <summary>
/// An authorize's grant and its settle's release on one scope with requests/min, tokens/min and
/// tokens/day limits. The clock moves 1 ms per call (about 1,000 requests a second).
/// </summary>
[MemoryDiagnoser]
public class RateLimiterBenchmarks
{
    private const long EstimatedTokens = 1_500;
    private const long TokensUsed = 900;
    private const long TtlMs = 300_000; // the gateway's default reservation TTL
    private const int OthersInFlight = 64;

    // Limits far above the traffic, so every request is admitted; the denial is measured on its own.
    private static readonly LimitSettings Roomy = new(RequestsPerMinute: 1_000_000_000, TokensPerMinute: 1_000_000_000_000, TokensPerDay: 1_000_000_000_000, MaxConcurrent: null);

    private readonly RateLimiter _idle = new("account");
    private readonly RateLimiter _busy = new("account");
    private readonly RateLimiter _exhausted = new("account");
    private readonly string[] _requestIds = [.. Enumerable.Range(0, 4_096).Select(i => $"req_{i:x8}")];
    private long _now;
    private int _next;

    [GlobalSetup]
    public void Configure()
    {
        _idle.Configure(Roomy);
        _busy.Configure(Roomy);
        // Requests that never settle while measured: the scope is never empty, so released grants'
        // expiry entries stay queued until their TTL passes, as on a scope under steady load.
        for (var i = 0; i < OthersInFlight; i++) _busy.TryAcquire($"held_{i}", EstimatedTokens, expiresAt: long.MaxValue, now: 0);

        _exhausted.Configure(new LimitSettings(RequestsPerMinute: 1_000, TokensPerMinute: 10_000, TokensPerDay: 1_000_000, MaxConcurrent: null));
        _exhausted.TryAcquire("filler", 10_000, expiresAt: long.MaxValue, now: 0);
    }

    /// <summary>Nothing else in flight: each release empties the scope.</summary>
    [Benchmark(Baseline = true)]
    public bool AcquireAndRelease_IdleScope() => AcquireAndRelease(_idle);

    /// <summary>64 other requests in flight: the expiry queue keeps every grant until its TTL.</summary>
    [Benchmark]
    public bool AcquireAndRelease_BusyScope() => AcquireAndRelease(_busy);

    /// <summary>Tokens per minute used up: a denial with its message and retry-after.</summary>
    [Benchmark]
    public bool Acquire_Denied() => _exhausted.TryAcquire(NextRequestId(), EstimatedTokens, TtlMs, now: 1_000).Allowed;

    private bool AcquireAndRelease(RateLimiter limiter)
    {
        var now = ++_now;
        var requestId = NextRequestId();
        var admission = limiter.TryAcquire(requestId, EstimatedTokens, now + TtlMs, now);
        return admission.Allowed & limiter.Release(requestId, TokensUsed, refund: false, now);
    }

    private string NextRequestId() => _requestIds[_next++ & (_requestIds.Length - 1)];
}
