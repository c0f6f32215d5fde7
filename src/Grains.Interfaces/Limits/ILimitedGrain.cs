using Orleans.Concurrency;

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

    /// <summary>Counts requests or tokens now, with no grant (see <see cref="LimitHit"/>): Envoy's rate-limit service.</summary>
    [Alias("hit")]
    Task<HitResult> Hit(LimitHit hit);

    /// <summary>Takes back what a hit counted (see <see cref="HitTakeBack"/>); false when it was taken back already.</summary>
    [Alias("take-back")]
    Task<bool> TakeBack(HitTakeBack takeBack);

    /// <summary>
    /// Completes once a checkpoint holds what an answer marked <see cref="Admission.AwaitsCheckpoint"/> counted; throws a
    /// retryable error if it could not be written, or if the activation that answered is gone. Interleaves with every call, so
    /// the grain goes on answering while a checkpoint commits, and the callers waiting meanwhile share the next one.
    /// </summary>
    [Alias("checkpointed"), AlwaysInterleave]
    Task Checkpointed(CheckpointMark mark);

    [Alias("set-limits")]
    Task<LimitsView> SetLimits(SetLimits request);

    [Alias("get-limits")]
    Task<LimitsView> GetLimits();
}
