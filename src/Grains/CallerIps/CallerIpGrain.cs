using Orleans.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Grains.CallerIps;

/// <summary>
/// One caller IP (an IPv4 address or an IPv6 /64, see <see cref="CallerAddress"/>): its rate
/// windows, and the limits an operator set for it, if any; otherwise the cluster's IP defaults
/// apply, which gateways read from the grain keyed <see cref="GrainKeys.IpDefaults"/> and pass in.
/// A request the IP admitted stays counted when a later check denies it: denied requests still
/// count against the caller. Released when idle (<see cref="ReleasedWhenIdle"/>), unlike the defaults' grain.
/// </summary>
[GrainType("ip")]
internal sealed class CallerIpGrain(
    [PersistentState("ip", GrainStorage.Name)] IPersistentState<CallerIpState> state,
    [FromKeyedServices(TollgateClock.Key)] TimeProvider time) : LimitedGrain("ip", time), ICallerIpGrain
{
    private LimitSettings? Own => state.RecordExists ? state.State.Limits : null; // null: the defaults apply

    protected override Task LoadAsync(CancellationToken cancellationToken)
    {
        if (Own is { } own) Limits.Configure(own);
        return Task.CompletedTask;
    }

    public Task<Admission> Authorize(AuthorizeIp request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.Tokens, nameof(request.Tokens));
        Validate.Ttl(request.TtlSeconds);
        Validate.Limits(request.Defaults);
        Limits.Configure(Own ?? request.Defaults);
        return Task.FromResult(Answered(Acquire(request.RequestId, request.Tokens, request.TtlSeconds, NowMs)));
    }

    /// <summary>Counts a hit under the IP's own limits, else the defaults the gateway passes (none: unlimited).</summary>
    public override Task<HitResult> Hit(LimitHit hit)
    {
        ValidateHit(hit);
        Limits.Configure(Own ?? hit.Defaults ?? LimitSettings.None);
        return base.Hit(hit);
    }

    protected override LimitSettings? OwnLimits => Own;

    protected override bool ReleasedWhenIdle => this.GetPrimaryKeyString() != GrainKeys.IpDefaults; // callers choose their addresses

    protected override bool MayHaveWindows => true; // counted under the defaults, which it has not been given yet

    protected override void CarryIn(LimiterState windows)
    {
        if (Own is null) Limits.Configure(windows.Settings); // the defaults it counted under, until the next call brings the current ones
        base.CarryIn(windows);
    }

    protected override Task StoreLimitsAsync(LimitSettings limits, string actor)
    {
        state.State.Limits = limits;
        state.State.Actor = actor;
        return WriteAsync(state);
    }
}

/// <summary>A caller IP's own limits as stored (JSON, see <see cref="GrainStateSerializer"/>).</summary>
internal sealed class CallerIpState
{
    public LimitSettings? Limits { get; set; }
    public string Actor { get; set; } = "";
}
