namespace Tollgate.Grains.Limits;

/// <summary>What every grain with rate limits answers (accounts, API keys, caller IPs, models).</summary>
[Alias("tollgate.limited")]
public interface ILimitedGrain : IGrainWithStringKey
{
    /// <summary>Gives back what an authorize took for a request (see <see cref="ReleaseGrant"/>).</summary>
    [Alias("release")]
    Task<ReleaseResult> Release(ReleaseGrant request);

    /// <summary>Keeps what an authorize took for a request while the request runs (see <see cref="RenewGrant"/>).</summary>
    [Alias("renew")]
    Task<RenewResult> Renew(RenewGrant request);

    [Alias("set-limits")]
    Task<LimitsView> SetLimits(SetLimits request);

    [Alias("get-limits")]
    Task<LimitsView> GetLimits();
}
