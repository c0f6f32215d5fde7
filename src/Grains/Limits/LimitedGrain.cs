using Tollgate.Runtime.Hosting;

namespace Tollgate.Grains.Limits;

/// <summary>
/// A grain with rate limits (account, API key, caller IP, model): takes a request's grant, gives it
/// back, and reads or replaces its limit settings, which each grain stores with its own state.
/// </summary>
internal abstract class LimitedGrain(string scope) : Grain,
    IHandle<ReleaseGrant, ReleaseResult>, IHandle<SetLimits, LimitsView>, IHandle<GetLimits, LimitsView>
{
    protected RateLimiter Limits { get; } = new(scope);

    protected long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The limits an operator set for this grain (null: none of its own); throws if the grain does not exist.</summary>
    protected abstract LimitSettings? OwnLimits { get; }

    /// <summary>Keeps new limits with the grain's state and persists them.</summary>
    protected abstract void StoreLimits(LimitSettings limits, string actor);

    /// <summary>Takes one request and its tokens from every limit, or nothing (see <see cref="RateLimiter.TryAcquire"/>).</summary>
    protected Admission Acquire(string requestId, long tokens, int ttlSeconds, long now)
    {
        var admission = Limits.TryAcquire(requestId, tokens, now + ttlSeconds * 1000L, now);
        KeepAliveFor(Limits.CountedFor(now)); // windows that outlive the idle age (a day's tokens) must not reset when idle
        return admission;
    }

    public Task<ReleaseResult> Handle(ReleaseGrant request) =>
        Task.FromResult(new ReleaseResult(Limits.Release(request.RequestId, request.TokensUsed, request.Refund, NowMs)));

    public Task<LimitsView> Handle(SetLimits request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        Validate.Limits(request.Limits);
        if (OwnLimits != request.Limits)
        {
            Limits.Configure(request.Limits);
            StoreLimits(request.Limits, request.Actor);
        }
        return Handle(new GetLimits());
    }

    public Task<LimitsView> Handle(GetLimits request) => Task.FromResult(new LimitsView(scope, Id.Key, OwnLimits, Limits.State(NowMs)));
}
