using BenchmarkDotNet.Attributes;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;

namespace Tollgate.Microbench.Accounts;

/// <summary>
/// An account's money in memory for one request: the authorize's hold (Reserve), then the
/// settle's Take and Charge, in the order AccountGrain calls them. The clock moves 1 ms per request.
/// </summary>
[MemoryDiagnoser]
public class CreditBookBenchmarks
{
    private const long WorstCaseCost = 5_000; // nano-USD held at authorize
    private const long ActualCost = 2_000; // nano-USD charged at settle
    private const long TtlMs = 300_000; // the gateway's default reservation TTL
    private const int OthersInFlight = 64;

    // Balances deep enough that no run of the benchmark can exhaust them.
    private readonly CreditBook _idle = new(Credits.MaxBalance, overdraftLimit: 0);
    private readonly CreditBook _busy = new(Credits.MaxBalance, overdraftLimit: 0);
    private readonly string[] _requestIds = [.. Enumerable.Range(0, 4_096).Select(i => $"req_{i:x8}")];
    private long _now;
    private int _next;

    [GlobalSetup]
    public void HoldOthers()
    {
        // Holds that outlive the measurement: the book is never empty, so settled holds' expiry
        // entries stay queued until their TTL passes, as on an account under steady load.
        for (var i = 0; i < OthersInFlight; i++) _busy.Reserve($"held_{i}", WorstCaseCost, expiresAt: long.MaxValue);
    }

    /// <summary>No other holds: each settle empties the book.</summary>
    [Benchmark(Baseline = true)]
    public long ReserveAndSettle_IdleAccount() => ReserveAndSettle(_idle);

    /// <summary>64 other holds in flight.</summary>
    [Benchmark]
    public long ReserveAndSettle_BusyAccount() => ReserveAndSettle(_busy);

    private long ReserveAndSettle(CreditBook book)
    {
        var now = ++_now;
        var requestId = _requestIds[_next++ & (_requestIds.Length - 1)];
        book.ExpireDue(now); // the grain expires due holds before every authorize and settle
        book.Reserve(requestId, WorstCaseCost, now + TtlMs);
        book.ExpireDue(now);
        var hold = book.Take(requestId);
        return book.Charge(ActualCost, hold?.Amount ?? 0).BalanceAfter;
    }
}
