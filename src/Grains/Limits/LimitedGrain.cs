using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Tollgate.Grains.Limits;

/// <summary>
/// A grain with rate limits (account, API key, caller IP, model): takes a request's grant, gives it
/// back, and reads or replaces its limit settings, which each grain stores with its own state.
/// </summary>
internal abstract class LimitedGrain(string scope, TimeProvider time) : Grain, ILimitedGrain
{
    protected RateLimiter Limits { get; } = new(scope);

    protected TimeProvider Time { get; } = time;

    protected long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The limits an operator set for this grain (null: none of its own); throws if the grain does not exist.</summary>
    protected abstract LimitSettings? OwnLimits { get; }

    /// <summary>Keeps new limits with the grain's state and persists them.</summary>
    protected abstract Task StoreLimitsAsync(LimitSettings limits, string actor);

    /// <summary>
    /// True while the activation holds nothing that a reload would not restore as it is (a key or an
    /// account that does not exist, a model nobody configured). Such an activation goes after
    /// <see cref="MadeUpIdOptions.Lifetime"/> however recently it was used, so ids made up by callers (random
    /// API keys, model names) cannot fill a silo's memory for the default collection age of 15 minutes.
    /// </summary>
    protected virtual bool HoldsNothing => false;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (HoldsNothing)
        {
            var lifetime = ServiceProvider.GetService<IOptions<MadeUpIdOptions>>()?.Value.Lifetime ?? new MadeUpIdOptions().Lifetime;
            this.RegisterGrainTimer(static self =>
            {
                if (self.HoldsNothing) self.DeactivateOnIdle();
                return Task.CompletedTask;
            }, this, new GrainTimerCreationOptions(lifetime, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = false });
        }
    }

    /// <summary>Loads the grain's state; runs before its first call.</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Takes one request and its tokens from every limit, or nothing (see <see cref="RateLimiter.TryAcquire"/>).</summary>
    protected Admission Acquire(string requestId, long tokens, int ttlSeconds, long now)
    {
        var admission = Limits.TryAcquire(requestId, tokens, now + ttlSeconds * 1000L, now);
        // Windows that outlive the idle age (a day's tokens) must not reset when the grain goes idle.
        if (Limits.CountedFor(now) is { Ticks: > 0 } counted) DelayDeactivation(counted);
        return admission;
    }

    public virtual Task<ReleaseResult> Release(ReleaseGrant request) =>
        Task.FromResult(new ReleaseResult(Limits.Release(request.RequestId, request.TokensUsed, request.Refund, NowMs)));

    public async Task<LimitsView> SetLimits(SetLimits request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        Validate.Limits(request.Limits);
        if (OwnLimits != request.Limits)
        {
            Limits.Configure(request.Limits);
            await StoreLimitsAsync(request.Limits, request.Actor);
        }
        return View();
    }

    public Task<LimitsView> GetLimits() => Task.FromResult(View());

    private LimitsView View() => new(scope, this.GetPrimaryKeyString(), OwnLimits, Limits.State(NowMs));

    /// <summary>
    /// Writes the grain's state over the version it read. If the write fails the memory is ahead of the
    /// database, so the activation is discarded (the next call reloads what was committed) and the caller
    /// gets a retryable error: a stale ETag (another activation wrote first) is never swallowed.
    /// </summary>
    protected async Task WriteAsync<T>(IPersistentState<T> state)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            DeactivateOnIdle();
            throw ex is InconsistentStateException
                ? new TollgateException(ErrorCodes.StaleActivation, $"Another activation of {this.GetGrainId()} wrote first; retry.", ex)
                : new TollgateException(ErrorCodes.StorageFailed, $"The state of {this.GetGrainId()} was not stored; retry.", ex);
        }
    }
}
