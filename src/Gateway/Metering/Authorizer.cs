using Tollgate.Gateway.Cluster;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Budgets;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Grains.Models;

namespace Tollgate.Gateway.Metering;

/// <summary>What an authorize asks, validated. <see cref="RequireRoute"/>: the proxy asks, so the model must have a route.</summary>
internal sealed record AuthorizeCall(
    string RequestId, string? ApiKey, string? AccountId, string CallerIp, string IpKey, string Model, long EstimatedInputTokens, long MaxOutputTokens, int TtlSeconds,
    bool RequireRoute = false)
{
    public long Tokens => EstimatedInputTokens + MaxOutputTokens;
}

/// <summary>An authorize's answer, and when allowed what settling it needs: the reservation and the model's route.</summary>
internal sealed record Authorization(AuthorizeResponse Response, ReservationToken? Reservation, ModelRoute? Route);

/// <summary>
/// Runs an authorize across the grains. The caller IP, the key and the model are asked at once (one
/// round trip); the account, which needs the key's account and the model's price, after them. A caller IP
/// no limit applies to, and a model without limits, are not asked: the gateway's copies of their settings
/// answer (<see cref="IpLimitPolicies"/>, <see cref="ModelCatalog"/>), so with neither and no key the
/// account is the one grain called. When the account is known before the key answers (a key this gateway saw
/// admitted with the same secret, <see cref="KeyAccounts"/>) and the model's price is the gateway's copy, the account
/// is asked with the others, so the common path is one round trip. If any
/// denies, what the others granted is given back: in full for the key, model and account, but the
/// caller IP keeps the request counted (denied requests count against the caller). A caller IP denied
/// moments ago is asked alone first (<see cref="LimitedCallers"/>). A denial is
/// counted in <c>usage_events</c> through the <see cref="DenialLog"/>.
/// </summary>
internal sealed class Authorizer(
    IGrainFactory grains, IpLimitPolicies ipPolicies, ModelCatalog models, LimitedCallers limitedCallers, KeyAccounts keyAccounts, DenialLog denials, UnpricedModels unpriced,
    MeteringOptions options,
    [FromKeyedServices(TollgateClock.Key)] TimeProvider clock, ILogger<Authorizer> logger)
{
    private const string LimitsAnsweredKey = "tollgate.limits_answered";
    private static readonly Admission NoLimits = new(true, null, []);

    /// <summary>Whether an authorize that failed had its limits answered: only the account did not answer (see the proxy's outage policy).</summary>
    public static bool LimitsAnswered(Exception failure) => failure.Data[LimitsAnsweredKey] is true;

    /// <summary>Counted in <c>tollgate.authorizes</c> and timed in <c>tollgate.authorize.duration</c> (see <see cref="GatewayMetrics"/>).</summary>
    public async Task<Authorization> AuthorizeAsync(AuthorizeCall call, TimeProvider time, CancellationToken cancel)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Authorization authorization;
        try
        {
            authorization = await AuthorizeAcrossGrainsAsync(call, time, cancel);
        }
        catch
        {
            GatewayMetrics.AuthorizeFailed(started);
            throw;
        }
        GatewayMetrics.Authorized(authorization.Response, started);
        return authorization;
    }

    private async Task<Authorization> AuthorizeAcrossGrainsAsync(AuthorizeCall call, TimeProvider time, CancellationToken cancel)
    {
        string? keyId = null, secretHash = null;
        var keyParsed = call.ApiKey is null || ApiKeyFormat.TryParse(call.ApiKey, out keyId, out secretHash);
        var ipPolicy = await ipPolicies.GetAsync();

        var shared = HeldGrants.SharedIdOf(keyParsed ? keyId ?? call.AccountId : "invalid", call.RequestId);
        var ipTask = ipPolicy.MayLimit(call.IpKey)
            ? IpAsync(grains.CallerIp(call.IpKey), new AuthorizeIp(shared, call.Tokens, call.TtlSeconds, ipPolicy.Defaults))
            : Task.FromResult(NoLimits);
        if (limitedCallers.IsLimited(call.IpKey) && await ipTask is { Denial: { } stillLimited } limitedIp)
        {
            // Asked alone: the key and model it names may be made up, and are not worth an activation each.
            limitedCallers.Answered(call.IpKey, limitedIp);
            var nothingHeld = new HeldGrants(call.IpKey, null, call.Model, call.RequestId, shared);
            return await DenyAsync(call, call.ApiKey is null ? call.AccountId : null, null, false, nothingHeld, stillLimited, [.. limitedIp.Limits], time, cancel);
        }
        var modelCopy = await models.WithoutLimitsAsync(call.Model); // after the limited caller's check: reading it activates the model's grain
        var keyTask = keyParsed && keyId is not null
            ? KeyAsync(grains.ApiKey(keyId), new AuthorizeKey(secretHash!, call.RequestId, call.Tokens, call.TtlSeconds, call.Model))
            : null;
        var modelCall = new AuthorizeModel(shared, call.Tokens, call.TtlSeconds, options.FallbackPrice, call.RequireRoute);
        var modelTask = modelCopy is null
            ? ModelAsync(grains.Model(call.Model), modelCall)
            : Task.FromResult(ModelTerms.AdmitWithoutLimits(modelCopy, modelCall, clock.GetUtcNow()));
        var granted = new HeldGrants(call.IpKey, keyParsed ? keyId : null, call.Model, call.RequestId, shared);
        var earlyAccount = modelTask is { IsCompletedSuccessfully: true, Result: { Admission.Denial: null, Price: not null } }
            ? call.AccountId ?? (keyTask is null ? null : keyAccounts.AccountOf(keyId!, secretHash!))
            : null;
        var earlyTask = earlyAccount is null ? null : AuthorizeAccountAsync(earlyAccount, keyId, call, modelTask.Result.Price!.Value);
        void MarkHeld()
        {
            granted.Ip = ipTask.IsCompletedSuccessfully && ipTask.Result.Held;
            granted.Key = keyTask is { IsCompletedSuccessfully: true } && keyTask.Result.Admission.Held;
            granted.ModelGrant = modelTask.IsCompletedSuccessfully && modelTask.Result.Admission.Held;
        }
        try
        {
            await Task.WhenAll(keyTask is null ? [ipTask, modelTask] : [ipTask, keyTask, modelTask]);
        }
        catch
        {
            // One failed: give back what the others granted, then report the failure.
            MarkHeld();
            await Task.WhenAll(ReleaseAsync(granted), earlyTask is null ? Task.CompletedTask : VoidEarlyAsync(earlyTask, earlyAccount!, call.RequestId));
            throw;
        }
        MarkHeld();

        var ip = ipTask.Result;
        limitedCallers.Answered(call.IpKey, ip);
        var key = keyTask?.Result;
        if (key?.AccountId is { } keyAccount) keyAccounts.Admitted(keyId!, secretHash!, keyAccount);
        else if (key?.Admission.Denial?.Reason is Denials.KeyRevoked or Denials.InvalidApiKey) keyAccounts.Refused(keyId!, secretHash!);
        var model = modelTask.Result;
        if (model.Unpriced) unpriced.Record(call.Model, charged: model.Price is not null);
        List<LimitState> limits = [.. ip.Limits, .. key?.Admission.Limits ?? [], .. model.Admission.Limits];

        var denial = ip.Denial
            ?? (keyParsed ? key?.Admission.Denial : new Denial(Denials.InvalidApiKey, "The API key is not valid."))
            ?? model.Admission.Denial;
        var accountId = key?.AccountId ?? call.AccountId;
        if (earlyTask is not null && (denial is not null || accountId != earlyAccount))
        {
            // Another denied (or the key names another account, which a key never does): the early hold is voided.
            await VoidEarlyAsync(earlyTask, earlyAccount!, call.RequestId);
            earlyTask = null;
        }
        if (denial is not null)
            return await DenyAsync(call, accountId, key?.AccountId is null ? null : keyId, model.Known, granted, denial, limits, time, cancel);

        AccountAdmission account;
        try
        {
            account = await (earlyTask ?? AuthorizeAccountAsync(accountId!, keyId, call, model.Price!.Value));
        }
        catch (Exception ex)
        {
            // The account may have reserved before the failure (an answer lost to a timeout): void it rather than
            // leave the hold for its whole TTL. A void that fails too leaves it to expire.
            await Task.WhenAll(ReleaseAsync(granted), VoidQuietlyAsync(accountId!, call.RequestId));
            ex.Data[LimitsAnsweredKey] = true;
            throw;
        }
        limits.AddRange(account.Admission.Limits);
        if (account.Admission.Denial is { } accountDenial)
            return await DenyAsync(call, accountDenial.Reason == Denials.AccountNotFound ? null : accountId, keyId, model.Known, granted, accountDenial, limits, time, cancel,
                account.Budgets);

        var token = ReservationToken.Of(accountId!, keyId, call.IpKey, call.CallerIp, call.Model, call.RequestId, model.Price!.Value, account.FundedBy!,
            account.AuthorizedAt!.Value.ToUnixTimeMilliseconds(), granted.Flags);
        var allowed = AuthorizeResponse.Allow(call.RequestId, token.Encode(), accountId!, keyId, account.FundedBy!, account.Reserved, model.Price.Value, limits, account.Budgets);
        return new Authorization(allowed, token, model.Route);
    }

    private Task<AccountAdmission> AuthorizeAccountAsync(string accountId, string? keyId, AuthorizeCall call, Price price) =>
        grains.Account(accountId).Authorize(new AuthorizeAccount(call.RequestId, keyId, call.EstimatedInputTokens, call.MaxOutputTokens, price, call.TtlSeconds));

    /// <summary>Gives back what an account asked early held: after its answer, so the void cannot arrive first.</summary>
    private async Task VoidEarlyAsync(Task<AccountAdmission> early, string accountId, string requestId)
    {
        try
        {
            if ((await early).Admission.Denial is not null) return; // denied: it holds nothing
        }
        catch
        {
            // Failed or lost on the way back: it may have held, so it is voided as after any failed authorize.
        }
        await VoidQuietlyAsync(accountId, requestId);
    }

    // Each answer is acted on once the checkpoint it may await holds what it counted (see Admission.AwaitsCheckpoint).
    private static Task<Admission> IpAsync(ICallerIpGrain grain, AuthorizeIp request) =>
        grain.Durably(ip => ip.Authorize(request), static admission => admission);

    private static Task<KeyAdmission> KeyAsync(IApiKeyGrain grain, AuthorizeKey request) => grain.Durably(key => key.Authorize(request), static key => key.Admission);

    private static Task<ModelAdmission> ModelAsync(IModelGrain grain, AuthorizeModel request) =>
        grain.Durably(model => model.Authorize(request), static model => model.Admission);

    /// <param name="keyId">The key, if it authenticated.</param>
    /// <param name="modelKnown">Whether an operator configured the model (else its name is not kept).</param>
    private async Task<Authorization> DenyAsync(AuthorizeCall call, string? accountId, string? keyId, bool modelKnown,
        HeldGrants granted, Denial denial, List<LimitState> limits, TimeProvider time, CancellationToken cancel, IReadOnlyList<BudgetState>? budgets = null)
    {
        await ReleaseAsync(granted);
        await denials.AddAsync(new DeniedRequest(accountId, keyId, call.IpKey, modelKnown ? call.Model : null, call.EstimatedInputTokens,
            denial.Reason, time.GetUtcNow()), cancel);
        return new Authorization(AuthorizeResponse.Deny(call.RequestId, denial, limits, budgets), null, null);
    }

    private async Task VoidQuietlyAsync(string accountId, string requestId)
    {
        try
        {
            await grains.Account(accountId).Void(new VoidReservation(requestId));
        }
        catch (Exception ex)
        {
            GatewayMetrics.VoidFailed("authorize");
            logger.LogWarning("Voiding the hold of request {RequestId} after its failed authorize failed too ({Error}); it expires with its TTL", requestId, ex.Message);
        }
    }

    /// <summary>A denied request: as if never asked, except at the caller IP.</summary>
    private Task ReleaseAsync(HeldGrants granted) => granted.ReleaseAsync(grains, tokensUsed: 0, refund: true, logger);
}
