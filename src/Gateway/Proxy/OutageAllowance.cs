using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Tollgate.Gateway.Metering;
using Tollgate.Grains.Metering;
using Tollgate.Grains.Models;

namespace Tollgate.Gateway.Proxy;

/// <summary>What a gateway does about a kind of check the cluster could not answer (<c>Proxy:Outage</c>).</summary>
public enum OutageMode
{
    /// <summary>Refuse the request (503 <c>cluster_unavailable</c>).</summary>
    Deny,

    /// <summary>Admit it within the gateway's local allowance (<see cref="OutageOptions"/>), and charge it once the cluster is back.</summary>
    Allow,
}

/// <summary>The <c>Proxy:Outage</c> section: the outage policy per kind of check, and the local allowance that bounds <see cref="OutageMode.Allow"/>.</summary>
public sealed class OutageOptions
{
    /// <summary>When the key, caller IP and model grains (rate limits) cannot answer.</summary>
    public OutageMode Limits { get; set; } = OutageMode.Deny;

    /// <summary>When the account (credit) cannot answer.</summary>
    public OutageMode Credit { get; set; } = OutageMode.Deny;

    /// <summary>Requests one key may be admitted by this gateway while the cluster does not answer for it.</summary>
    public int RequestsPerKey { get; set; } = 60;

    /// <summary>The most one key's requests admitted that way may cost at their worst case (input estimate plus output cap), in nano-USD.</summary>
    public long SpendPerKey { get; set; } = 1_000_000_000; // 1 USD
}

/// <summary>
/// Lets a request through while the cluster cannot answer, if the policy allows and within a bounded allowance per key
/// and gateway. It can only vouch for what it saw the cluster say: a key verified (its secret's hash, account and the models it may use) and
/// a model's price and route, remembered from earlier answers; anything else is refused. A key's allowance is used
/// up by its requests' worst-case cost and count, and given back in full when the cluster answers for that key again.
/// What is admitted settles as any request does: at once, or through the settlement journal, exactly once.
/// </summary>
internal sealed class OutageAllowance
{
    public const string AdmissionsName = "tollgate.proxy.outage_admissions";
    private const int MaxRemembered = 100_000; // keys and models: bounded, as callers choose them

    private static readonly Counter<long> Admissions = GatewayMetrics.Meter.CreateCounter<long>(AdmissionsName, "{request}",
        "Requests the cluster could not authorize, by outcome: admitted within the local allowance, or refused");

    private readonly ConcurrentDictionary<string, (string SecretHash, string AccountId, IReadOnlyList<string>? Models)> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Price Price, ModelRoute Route)> _models = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Used> _used = new(StringComparer.Ordinal);

    /// <summary>The cluster verified a key; <paramref name="models"/>: the models it may use (null: every model).</summary>
    public void KeyVerified(string keyId, string secretHash, string accountId, IReadOnlyList<string>? models)
    {
        if (_keys.Count < MaxRemembered || _keys.ContainsKey(keyId)) _keys[keyId] = (secretHash, accountId, models);
    }

    /// <summary>The cluster authorized a request: its model's price and route are known, and its key's allowance is whole again.</summary>
    public void Authorized(ReservationToken reservation, ModelRoute route)
    {
        if (_models.Count < MaxRemembered || _models.ContainsKey(reservation.Model)) _models[reservation.Model] = (reservation.Price, route);
        if (reservation.KeyId is { } keyId) _used.TryRemove(keyId, out _);
    }

    /// <summary>
    /// The provider's name for a model, as the cluster last routed it for this gateway; null before its first request here. (The
    /// proxy counts a request's input with the provider's tokenizer before the cluster answers with the route.)
    /// </summary>
    public string? UpstreamModelOf(string model) => _models.TryGetValue(model, out var known) ? known.Route.UpstreamModel : null;

    /// <summary>The model's route as the cluster last answered it to this gateway; null before its first request here.</summary>
    public ModelRoute? RouteOf(string model) => _models.TryGetValue(model, out var known) ? known.Route : null;

    /// <summary>
    /// The cluster refused a key this gateway may have seen verified, or a model for it: it no longer vouches for the key until the
    /// cluster verifies it again (with the models it may use now).
    /// </summary>
    public void KeyRefused(string? key)
    {
        if (Grains.Keys.ApiKeyFormat.TryParse(key, out var keyId, out var secretHash) && _keys.TryGetValue(keyId, out var known) && known.SecretHash == secretHash)
            _keys.TryRemove(new(keyId, known));
    }

    /// <summary>Whether this gateway saw the cluster verify this key.</summary>
    public bool Knows(string? key) => Grains.Keys.ApiKeyFormat.TryParse(key, out var keyId, out var secretHash) && KeyOf(keyId, secretHash) is not null;

    private (string AccountId, IReadOnlyList<string>? Models)? KeyOf(string keyId, string secretHash) =>
        _keys.TryGetValue(keyId, out var known) && known.SecretHash == secretHash ? (known.AccountId, known.Models) : null;

    /// <summary>
    /// Admits a request the cluster could not authorize, or returns null. <paramref name="limitsAnswered"/>: only the
    /// account failed to answer, so only the credit policy applies.
    /// </summary>
    public Authorization? TryAdmit(AuthorizeCall call, bool limitsAnswered, OutageOptions options, TimeProvider time)
    {
        var admitted = Admit(call, limitsAnswered, options, time);
        Admissions.Add(1, new KeyValuePair<string, object?>("outcome", admitted is null ? "refused" : "admitted"));
        return admitted;
    }

    private Authorization? Admit(AuthorizeCall call, bool limitsAnswered, OutageOptions options, TimeProvider time)
    {
        if (options.Credit != OutageMode.Allow || (!limitsAnswered && options.Limits != OutageMode.Allow)) return null;
        if (!Grains.Keys.ApiKeyFormat.TryParse(call.ApiKey, out var keyId, out var secretHash) || KeyOf(keyId, secretHash) is not { } key) return null;
        var accountId = key.AccountId;
        if (!Grains.Keys.ModelAccess.Allows(key.Models, call.Model) || !_models.TryGetValue(call.Model, out var model)) return null;
        var worstCase = model.Price.WorstCase(call.EstimatedInputTokens, call.MaxOutputTokens);

        var used = _used.GetOrAdd(keyId, _ => new Used());
        lock (used)
        {
            if (used.Requests >= options.RequestsPerKey || used.Spend + worstCase > options.SpendPerKey) return null;
            used.Requests++;
            used.Spend += worstCase;
        }
        var token = ReservationToken.Of(accountId, keyId, call.IpKey, call.CallerIp, call.Model, call.RequestId, model.Price, Funding.Credit,
            time.GetUtcNow().ToUnixTimeMilliseconds(), held: "");
        var allowed = AuthorizeResponse.Allow(call.RequestId, token.Encode(), accountId, keyId, Funding.Credit, worstCase, model.Price, [], null);
        return new Authorization(allowed, token, model.Route);
    }

    private sealed class Used
    {
        public int Requests;
        public long Spend;
    }
}
