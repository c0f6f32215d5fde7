using System.Diagnostics;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Bench.Targets;

/// <summary>
/// The grain calls of an authorize and a settle without HTTP and without the gateway's Orleans client:
/// caller IP and model at once, then the account; the settle on the account while the IP and model are
/// released, as the gateway orders them. Made through the silo's own <see cref="IGrainFactory"/> from
/// outside any grain, so they take the silo's hosted-client path: each request and answer is deep-copied
/// and looped back to the local activation by the silo's message center (no serialization, no socket).
/// Writes still go through group commit.
/// </summary>
public sealed class InProcessTarget(IGrainFactory grains) : IPairTarget
{
    private const string Model = "bench-model";
    private long _charged;

    public string Name => "in-process";

    public long TotalCharged => Interlocked.Read(ref _charged);

    public async Task<PairResult> RunPairAsync(string accountId, string requestId)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var ipKey = $"10.200.0.{(uint)accountId.GetHashCode(StringComparison.Ordinal) % 250}";
            var shared = $"{accountId}/{requestId}"; // grants at the shared grains (IP, model) are keyed by owner and request, as the gateway keys them
            var ipTask = grains.CallerIp(ipKey).Authorize(new AuthorizeIp(shared, 1_500, 300, LimitSettings.None));
            var modelTask = grains.Model(Model).Authorize(new AuthorizeModel(shared, 1_500, 300, null));
            var (ip, model) = (await ipTask, await modelTask);
            var price = model.Price ?? throw new InvalidOperationException($"{Model} has no price");
            var account = await grains.Account(accountId).Authorize(new AuthorizeAccount(requestId, null, 1_000, 500, price, 300));
            if (!account.Admission.Allowed) return new PairResult(default, default, 0, account.Admission.Denial!.Reason);
            var authorizeTime = Stopwatch.GetElapsedTime(started);

            started = Stopwatch.GetTimestamp();
            var release = new ReleaseGrant(shared, 1_300, Refund: false);
            var releases = Task.WhenAll(
                ip.Held ? grains.CallerIp(ipKey).Release(release) : Task.CompletedTask,
                model.Admission.Held ? grains.Model(Model).Release(release) : Task.CompletedTask);
            var settled = await grains.Account(accountId).Settle(
                new SettleRequest(requestId, Model, null, ipKey, 1_000, 300, price, account.FundedBy, "success", false, null, account.AuthorizedAt));
            await releases;
            Interlocked.Add(ref _charged, settled.Charged);
            return new PairResult(authorizeTime, Stopwatch.GetElapsedTime(started), settled.Charged, null);
        }
        catch (TollgateException ex)
        {
            return new PairResult(default, default, 0, ex.Code);
        }
        catch (TimeoutException)
        {
            return new PairResult(default, default, 0, ErrorCodes.Timeout);
        }
        catch (OrleansException ex)
        {
            return new PairResult(default, default, 0, "orleans:" + ex.GetType().Name);
        }
    }
}
