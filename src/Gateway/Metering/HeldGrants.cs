using Tollgate.Grains;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// What a request holds at the caller IP, key and model grains, and how to give it back: on settle
/// (tokens corrected to the actual count) or when another grain denied it (a refund, except at the
/// caller IP, where denied requests stay counted). Grants at the shared grains (IP, model) are keyed
/// by <see cref="SharedId"/>: request ids are unique per account only, so they are prefixed with their
/// owner (the key, else the account).
/// </summary>
internal sealed record HeldGrants(string IpKey, string? KeyId, string Model, string RequestId, string SharedId)
{
    public bool Ip { get; set; }
    public bool Key { get; set; }
    public bool ModelGrant { get; set; }

    public static string SharedIdOf(string? owner, string requestId) => $"{owner}/{requestId}";

    public static HeldGrants Of(ReservationToken token) =>
        new(token.IpKey, token.KeyId, token.Model, token.RequestId, SharedIdOf(token.KeyId ?? token.AccountId, token.RequestId))
        {
            Ip = token.Holds('i'),
            Key = token.Holds('k') && token.KeyId is not null,
            ModelGrant = token.Holds('m'),
        };

    /// <summary>Which grains hold a grant, as the reservation id records it.</summary>
    public string Flags => $"{(Ip ? "i" : "")}{(Key ? "k" : "")}{(ModelGrant ? "m" : "")}";

    /// <summary>Renews the grants of a request that still runs (see <see cref="RenewGrant"/>); throws if a grain call failed.</summary>
    public Task RenewAsync(IGrainFactory grains, RenewGrant renew)
    {
        var shared = renew with { RequestId = SharedId };
        List<Task> renewals = [];
        if (Ip) renewals.Add(grains.CallerIp(IpKey).Renew(shared));
        if (Key) renewals.Add(grains.ApiKey(KeyId!).Renew(renew));
        if (ModelGrant) renewals.Add(grains.Model(Model).Renew(shared));
        return Task.WhenAll(renewals);
    }

    /// <summary>Best effort: a grant not given back expires with its reservation. Never throws.</summary>
    public async Task ReleaseAsync(IGrainFactory grains, long tokensUsed, bool refund, ILogger logger)
    {
        var release = new ReleaseGrant(RequestId, tokensUsed, refund);
        var shared = release with { RequestId = SharedId };
        List<Task> releases = [];
        if (Ip) releases.Add(grains.CallerIp(IpKey).Release(shared with { Refund = false }));
        if (Key) releases.Add(grains.ApiKey(KeyId!).Release(release));
        if (ModelGrant) releases.Add(grains.Model(Model).Release(shared));
        try
        {
            await Task.WhenAll(releases);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Releasing the limits of request {RequestId} failed ({Error}); they expire with its reservation", RequestId, ex.Message);
        }
    }
}
