using Tollgate.Grains;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Runtime;

namespace Tollgate.Gateway.Metering;

/// <summary>What an authorize asks, validated.</summary>
internal sealed record AuthorizeCall(
    string RequestId, string? ApiKey, string? AccountId, string CallerIp, string IpKey, string Model, long EstimatedInputTokens, long MaxOutputTokens, int TtlSeconds)
{
    public long Tokens => EstimatedInputTokens + MaxOutputTokens;
}

/// <summary>
/// A request's grant id in grains shared by every tenant (a caller IP, a model): request ids are
/// unique per account, not globally, so they are prefixed with their owner (the key, else the account).
/// </summary>
internal static class SharedGrant
{
    public static string Id(string? keyId, string? accountId, string requestId) => $"{keyId ?? accountId}/{requestId}";
}

/// <summary>
/// Runs an authorize across the grains. The caller IP, the key and the model are asked at once (one
/// round trip); the account, which needs the key's account and the model's price, after them. If any
/// denies, what the others granted is given back: in full for the key, model and account, but the
/// caller IP keeps the request counted (denied requests count against the caller). A denial is
/// recorded in <c>usage_events</c> through the <see cref="DenialLog"/>.
/// </summary>
internal sealed class Authorizer(
    IGrainCaller grains, IpDefaultLimits ipDefaults, DenialLog denials, UnpricedModels unpriced, MeteringOptions options, ILogger<Authorizer> logger)
{
    public async Task<AuthorizeResponse> AuthorizeAsync(AuthorizeCall call, TimeProvider time, CancellationToken cancel)
    {
        string? keyId = null, secretHash = null;
        var keyParsed = call.ApiKey is null || ApiKeyFormat.TryParse(call.ApiKey, out keyId, out secretHash);
        var ipDefaultsNow = await ipDefaults.GetAsync();

        var shared = SharedGrant.Id(keyParsed ? keyId : call.ApiKey is null ? null : "invalid", call.AccountId, call.RequestId);
        var ipTask = grains.CallAsync(GrainTypes.CallerIpId(call.IpKey), new AuthorizeIp(shared, call.Tokens, call.TtlSeconds, ipDefaultsNow), cancel);
        var keyTask = keyParsed && keyId is not null
            ? grains.CallAsync(GrainTypes.ApiKeyId(keyId), new AuthorizeKey(secretHash!, call.RequestId, call.Tokens, call.TtlSeconds), cancel)
            : null;
        var modelTask = grains.CallAsync(GrainTypes.ModelId(call.Model), new AuthorizeModel(shared, call.Tokens, call.TtlSeconds, options.FallbackPrice), cancel);
        var granted = new Grants(call, keyParsed ? keyId : null, shared);
        try
        {
            await Task.WhenAll(keyTask is null ? [ipTask, modelTask] : [ipTask, keyTask, modelTask]);
        }
        catch
        {
            // One failed: give back what the others granted, then report the failure.
            if (ipTask.IsCompletedSuccessfully && ipTask.Result.Held) granted.Ip = true;
            if (keyTask is { IsCompletedSuccessfully: true } && keyTask.Result.Admission.Held) granted.Key = true;
            if (modelTask.IsCompletedSuccessfully && modelTask.Result.Admission.Held) granted.Model = true;
            await ReleaseAsync(granted);
            throw;
        }

        var ip = ipTask.Result;
        var key = keyTask?.Result;
        var model = modelTask.Result;
        granted.Ip = ip.Held;
        granted.Key = key?.Admission.Held == true;
        granted.Model = model.Admission.Held;
        if (model.Unpriced) unpriced.Record(call.Model, charged: model.Price is not null);
        List<LimitState> limits = [.. ip.Limits, .. key?.Admission.Limits ?? [], .. model.Admission.Limits];

        var denial = ip.Denial
            ?? (keyParsed ? key?.Admission.Denial : new Denial(Denials.InvalidApiKey, "The API key is not valid."))
            ?? model.Admission.Denial;
        var accountId = key?.AccountId ?? call.AccountId;
        if (denial is not null) return await DenyAsync(call, granted, accountId, denial, limits, time, cancel);

        AccountAdmission account;
        try
        {
            account = await grains.CallAsync(GrainTypes.AccountId(accountId!),
                new AuthorizeAccount(call.RequestId, keyId, call.EstimatedInputTokens, call.MaxOutputTokens, model.Price!.Value, call.TtlSeconds), cancel);
        }
        catch
        {
            await ReleaseAsync(granted);
            throw;
        }
        limits.AddRange(account.Admission.Limits);
        if (account.Admission.Denial is { } accountDenial)
            return await DenyAsync(call, granted, accountDenial.Reason == Denials.AccountNotFound ? null : accountId, accountDenial, limits, time, cancel);

        var token = new ReservationToken(accountId!, keyId, call.IpKey, call.CallerIp, call.Model, call.RequestId,
            model.Price!.Value.InputPerMillion, model.Price.Value.OutputPerMillion, account.FundedBy!, account.AuthorizedAt!.Value.ToUnixTimeMilliseconds(),
            ReservationToken.HeldBy(granted.Ip, granted.Key, granted.Model));
        return AuthorizeResponse.Allow(call.RequestId, token.Encode(), accountId!, keyId, account.FundedBy!, account.Reserved, model.Price.Value, limits);
    }

    private async Task<AuthorizeResponse> DenyAsync(
        AuthorizeCall call, Grants granted, string? accountId, Denial denial, List<LimitState> limits, TimeProvider time, CancellationToken cancel)
    {
        await ReleaseAsync(granted);
        await denials.AddAsync(new DeniedRequest(accountId, call.RequestId, granted.KeyId, call.CallerIp, call.Model, call.EstimatedInputTokens,
            denial.Reason, time.GetUtcNow()), cancel);
        return AuthorizeResponse.Deny(call.RequestId, denial, limits);
    }

    /// <summary>Gives back what a request was granted. Best effort: a grant not given back expires with its TTL.</summary>
    private async Task ReleaseAsync(Grants granted)
    {
        var call = granted.Call;
        List<Task> releases = [];
        if (granted.Ip) releases.Add(grains.CallAsync(GrainTypes.CallerIpId(call.IpKey), new ReleaseGrant(granted.SharedId, 0, Refund: false), CancellationToken.None));
        if (granted.Key) releases.Add(grains.CallAsync(GrainTypes.ApiKeyId(granted.KeyId!), new ReleaseGrant(call.RequestId, 0, Refund: true), CancellationToken.None));
        if (granted.Model) releases.Add(grains.CallAsync(GrainTypes.ModelId(call.Model), new ReleaseGrant(granted.SharedId, 0, Refund: true), CancellationToken.None));
        try
        {
            await Task.WhenAll(releases);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Releasing the grants of denied request {RequestId} failed ({Error}); they expire in {Ttl} s", call.RequestId, ex.Message, call.TtlSeconds);
        }
    }

    private sealed class Grants(AuthorizeCall call, string? keyId, string sharedId)
    {
        public AuthorizeCall Call { get; } = call;
        public string? KeyId { get; } = keyId;
        public string SharedId { get; } = sharedId;
        public bool Ip { get; set; }
        public bool Key { get; set; }
        public bool Model { get; set; }
    }
}
