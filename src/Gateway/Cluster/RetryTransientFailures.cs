namespace Tollgate.Gateway.Cluster;

/// <summary>
/// Retries a grain call that failed for a reason of the cluster's (a silo that died or is being replaced,
/// a write refused to a stale activation, a response timeout), a bounded number of times with growing
/// pauses: every grain message is idempotent by its id, so a repeat cannot apply twice. What still fails
/// reaches the caller as a <c>503</c> (or <c>504</c> for a timeout) with a stable code.
/// </summary>
public sealed class RetryTransientFailures(ClusterClientSettings settings, ILogger<RetryTransientFailures> logger) : IOutgoingGrainCallFilter
{
    private static readonly AsyncLocal<bool> SingleAttempt = new();
    private long _retries;

    /// <summary>
    /// Grain calls made from here on in the calling async method (and what it awaits) are tried once: for a caller with a
    /// deadline and a failure policy of its own (Envoy's rate-limit filter: 20 ms by default, then its <c>failure_mode_deny</c>),
    /// which retries would only outlast. Undone when that method returns.
    /// </summary>
    public static void TryOnce() => SingleAttempt.Value = true;

    /// <summary>Attempts repeated so far (for tests and the failure reports).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // In a silo that serves the gateway's APIs, its grains' own calls pass here too: a grain waiting out retries would hold
        // its activation, so only calls made outside any grain (the gateway's) are retried.
        if (context.SourceContext is not null)
        {
            await context.Invoke();
            return;
        }
        for (var attempt = 1; ; attempt++)
        {
            string code;
            try
            {
                await context.Invoke(); // a failed call throws here; calling Invoke again sends the request again
                return;
            }
            catch (Exception failure) when (attempt < settings.MaxAttempts && !SingleAttempt.Value && ClusterFailures.CodeOf(failure) is { } transient)
            {
                code = transient;
            }
            Interlocked.Increment(ref _retries);
            var pause = TimeSpan.FromMilliseconds(Math.Min(settings.MaxRetryPause.TotalMilliseconds, 50 * (1 << Math.Min(attempt - 1, 10))));
            logger.LogDebug("{Method} of {Grain} failed ({Code}), attempt {Attempt}; retrying in {Pause} ms",
                context.MethodName, context.TargetId, code, attempt, pause.TotalMilliseconds);
            await Task.Delay(pause);
        }
    }
}
