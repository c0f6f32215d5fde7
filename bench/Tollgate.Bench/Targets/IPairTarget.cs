namespace Tollgate.Bench.Targets;

/// <summary>What one authorize+settle pair did: each call's latency, what was charged, or the error code that stopped it.</summary>
public readonly record struct PairResult(TimeSpan Authorize, TimeSpan Settle, long Charged, string? Error);

/// <summary>A system under load: runs one authorize+settle pair for an account.</summary>
public interface IPairTarget
{
    string Name { get; }

    /// <summary>The cost every settled pair is charged (input 1,000 and output 300 tokens at the bench price).</summary>
    const long CostPerPair = 1_000 * 2 + 300 * 8;

    Task<PairResult> RunPairAsync(string accountId, string requestId);
}
