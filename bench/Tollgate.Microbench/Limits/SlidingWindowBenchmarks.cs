using BenchmarkDotNet.Attributes;
using Tollgate.Grains.Limits;

namespace Tollgate.Microbench.Limits;

/// <summary>
/// One tokens-per-minute window (60 one-second buckets, as the rate limiter builds it) at about
/// 1,000 requests a second: the clock moves 1 ms per call, so a bucket rolls every 1,000 calls.
/// </summary>
[MemoryDiagnoser]
public class SlidingWindowBenchmarks
{
    private const long TokensPerRequest = 1_500;

    // High enough that every call fits: these measure the admitted path, the common one.
    private readonly SlidingWindow _window = new(limit: 1_000_000_000_000, windowMs: 60_000, buckets: 60);
    private long _now;

    [GlobalSetup]
    public void FillTheWindow()
    {
        // A window that has seen a minute of traffic, so every bucket holds something.
        for (_now = 0; _now < 60_000; _now++) _window.Add(TokensPerRequest, _now);
    }

    [Benchmark]
    public bool Fits() => _window.Fits(TokensPerRequest, ++_now, out _);

    [Benchmark]
    public bool TryAdd() => _window.TryAdd(TokensPerRequest, ++_now, out _, out _);
}
