using Tollgate.Grains.Limits;

namespace Tollgate.Grains.Metering;

/// <summary>
/// One caller IP, keyed by its limit key (<see cref="CallerAddress"/>), or <see cref="GrainKeys.IpDefaults"/>
/// for the defaults of every caller IP without limits of its own.
/// </summary>
[Alias("tollgate.ip")]
public interface ICallerIpGrain : ILimitedGrain
{
    [Alias("authorize")]
    Task<Admission> Authorize(AuthorizeIp request);
}
