using System.Text.Json.Serialization;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Runtime;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Grains.CallerIps;

/// <summary>
/// One caller IP (an IPv4 address or an IPv6 /64, see <see cref="CallerAddress"/>): its rate
/// windows, and the limits an operator set for it, if any; otherwise the cluster's IP defaults
/// apply, which gateways read from the grain keyed <see cref="GrainTypes.IpDefaults"/> and pass in.
/// A request the IP admitted stays counted when a later check denies it: denied requests still
/// count against the caller.
/// </summary>
internal sealed class CallerIpGrain : Grain,
    IHandle<AuthorizeIp, Admission>, IHandle<ReleaseGrant, ReleaseResult>, IHandle<SetLimits, LimitsView>, IHandle<GetLimits, LimitsView>
{
    private readonly RateLimiter _limits = new("ip");
    private LimitSettings? _own; // null: the defaults apply
    private long _version;

    protected override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (var state, _version) = await GrainStateStore.LoadAsync(Database, Id, CallerIpStateJson.Default.CallerIpState);
        _own = state?.Limits;
        if (_own is not null) _limits.Configure(_own);
    }

    public Task<Admission> Handle(AuthorizeIp request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.Tokens, nameof(request.Tokens));
        Validate.Ttl(request.TtlSeconds);
        Validate.Limits(request.Defaults);
        _limits.Configure(_own ?? request.Defaults);
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        var admission = _limits.TryAcquire(request.RequestId, request.Tokens, now + request.TtlSeconds * 1000L, now);
        KeepAliveFor(_limits.CountedFor(now));
        return Task.FromResult(admission);
    }

    public Task<ReleaseResult> Handle(ReleaseGrant request) =>
        Task.FromResult(new ReleaseResult(_limits.Release(request.RequestId, request.TokensUsed, request.Refund, Time.GetUtcNow().ToUnixTimeMilliseconds())));

    public Task<LimitsView> Handle(SetLimits request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        Validate.Limits(request.Limits);
        if (_own != request.Limits)
        {
            _own = request.Limits;
            _limits.Configure(_own);
            _ = Write(GrainStateStore.Write(Id, new CallerIpState(_own, request.Actor), _version++, CallerIpStateJson.Default.CallerIpState));
        }
        return Handle(new GetLimits());
    }

    public Task<LimitsView> Handle(GetLimits request) =>
        Task.FromResult(new LimitsView("ip", Id.Key, _own, _limits.State(Time.GetUtcNow().ToUnixTimeMilliseconds())));
}

internal sealed record CallerIpState(LimitSettings Limits, string Actor);

[JsonSerializable(typeof(CallerIpState))]
internal sealed partial class CallerIpStateJson : JsonSerializerContext;
