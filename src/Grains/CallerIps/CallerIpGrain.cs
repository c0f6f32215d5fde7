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
internal sealed class CallerIpGrain() : LimitedGrain("ip"), IHandle<AuthorizeIp, Admission>
{
    private LimitSettings? _own; // null: the defaults apply
    private long _version;

    protected override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (var state, _version) = await GrainStateStore.LoadAsync(Database, Id, CallerIpStateJson.Default.CallerIpState);
        _own = state?.Limits;
        if (_own is not null) Limits.Configure(_own);
    }

    public Task<Admission> Handle(AuthorizeIp request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.Tokens, nameof(request.Tokens));
        Validate.Ttl(request.TtlSeconds);
        Validate.Limits(request.Defaults);
        Limits.Configure(_own ?? request.Defaults);
        return Task.FromResult(Acquire(request.RequestId, request.Tokens, request.TtlSeconds, NowMs));
    }

    protected override LimitSettings? OwnLimits => _own;

    protected override void StoreLimits(LimitSettings limits, string actor)
    {
        _own = limits;
        _ = Write(GrainStateStore.Write(Id, new CallerIpState(limits, actor), _version++, CallerIpStateJson.Default.CallerIpState));
    }
}

internal sealed record CallerIpState(LimitSettings Limits, string Actor);

[JsonSerializable(typeof(CallerIpState))]
internal sealed partial class CallerIpStateJson : JsonSerializerContext;
