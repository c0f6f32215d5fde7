namespace Tollgate.Bench.Targets;

/// <summary>What one authorize+settle pair did: each call's latency, what was charged, or the error code that stopped it.</summary>
public readonly record struct PairResult(TimeSpan Authorize, TimeSpan Settle, long Charged, string? Error);

/// <summary>A system under load: runs one authorize+settle pair for an account.</summary>
public interface IPairTarget
{
    string Name { get; }

    Task<PairResult> RunPairAsync(string accountId, string requestId);
}
