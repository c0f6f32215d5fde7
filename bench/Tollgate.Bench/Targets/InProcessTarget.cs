using System.Diagnostics;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Runtime;

namespace Tollgate.Bench.Targets;

/// <summary>
/// The runtime's own ceiling: the grain calls of an authorize and a settle (caller IP and model at
/// once, then the account; settle on the account while the IP and model are released), made in the
/// silo's process without the network or serialization. Writes still go through group commit.
/// </summary>
public sealed class InProcessTarget(IGrainCaller grains) : IPairTarget
{
    private static readonly Price BenchPrice = new(2_000_000, 8_000_000);
    private long _charged;

    public string Name => "in-process";

    public long TotalCharged => Interlocked.Read(ref _charged);

    public async Task<PairResult> RunPairAsync(string accountId, string requestId)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var ipKey = $"10.200.0.{(uint)accountId.GetHashCode(StringComparison.Ordinal) % 250}";
            var ip = grains.CallAsync(GrainTypes.CallerIpId(ipKey), new AuthorizeIp(requestId, 1_500, 300, LimitSettings.None));
            var model = grains.CallAsync(GrainTypes.ModelId("bench-model"), new AuthorizeModel(requestId, 1_500, 300, null));
            var price = (await model).Price ?? throw new InvalidOperationException("bench-model has no price");
            var held = ((await ip).Held, (await model).Admission.Held);
            var account = await grains.CallAsync(GrainTypes.AccountId(accountId), new AuthorizeAccount(requestId, null, 1_000, 500, price, 300));
            if (!account.Admission.Allowed) return new PairResult(default, default, 0, account.Admission.Denial!.Reason);
            var authorizeTime = Stopwatch.GetElapsedTime(started);

            started = Stopwatch.GetTimestamp();
            var release = new ReleaseGrant(requestId, 1_300, Refund: false);
            var releases = Task.WhenAll(
                held.Item1 ? grains.CallAsync(GrainTypes.CallerIpId(ipKey), release) : Task.CompletedTask,
                held.Item2 ? grains.CallAsync(GrainTypes.ModelId("bench-model"), release) : Task.CompletedTask);
            var settled = await grains.CallAsync(GrainTypes.AccountId(accountId),
                new SettleRequest(requestId, "bench-model", null, ipKey, 1_000, 300, price, account.FundedBy, "success", false, null, account.AuthorizedAt));
            await releases;
            Interlocked.Add(ref _charged, settled.Charged);
            return new PairResult(authorizeTime, Stopwatch.GetElapsedTime(started), settled.Charged, null);
        }
        catch (GrainException ex)
        {
            return new PairResult(default, default, 0, ex.Code);
        }
    }
}
