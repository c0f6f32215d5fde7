using System.Globalization;
using System.Text.Json;
using Envoy.Config.Core.V3;
using Envoy.Extensions.Common.Ratelimit.V3;
using Envoy.Service.Ratelimit.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Cluster;
using Tollgate.Gateway.Metering;
using Tollgate.Gateway.Proxy;
using Tollgate.Grains;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Grains.Models;
using Code = Envoy.Service.Ratelimit.V3.RateLimitResponse.Types.Code;
using DescriptorStatus = Envoy.Service.Ratelimit.V3.RateLimitResponse.Types.DescriptorStatus;
using Unit = Envoy.Service.Ratelimit.V3.RateLimitResponse.Types.RateLimit.Types.Unit;

namespace Tollgate.Gateway.Envoy;

/// <summary>
/// Answers Envoy's <c>ShouldRateLimit</c> from the same grains, windows and limits as the metering API's authorize (docs/envoy.md):
/// each descriptor the domain maps names a caller IP, key, model or account, and its hits are counted there
/// (<see cref="ILimitedGrain.Hit"/>). Like an authorize, the caller IP is asked alone first when it refused moments ago or when
/// another descriptor is refused before any grain is asked, and a refused request gives back the requests the key, model and
/// account counted (the caller IP keeps them: refused requests count against the caller); a caller IP no limit applies to is
/// answered from the gateway's copy of the IP settings (<see cref="IpLimitPolicies"/>), as an authorize does. A malformed request is a gRPC
/// <c>INVALID_ARGUMENT</c> and changes nothing; a cluster that cannot answer is the outage policy's (<c>Proxy:Outage:Limits</c>).
/// </summary>
internal sealed class EnvoyRateLimiter(
    IGrainFactory grains, EnvoyOptions options, MeteringOptions metering, IpLimitPolicies ipPolicies, LimitedCallers limitedCallers,
    ProxySettings proxy, EnvoyOutageAllowance allowance, ILogger<EnvoyRateLimiter> logger)
{
    /// <summary>Set on an answer the outage policy gave: the cluster could not answer (the proxy's header).</summary>
    public const string DegradedHeader = MeteredProxy.DegradedHeader;

    public async Task<RateLimitResponse> ShouldRateLimitAsync(RateLimitRequest request)
    {
        RetryTransientFailures.TryOnce(); // Envoy waits 20 ms by default, then its failure_mode_deny decides: retries would only outlast it
        var asks = Read(request);
        var hitId = "rls_" + Guid.CreateVersion7().ToString("N");
        try
        {
            var defaults = asks.Any(ask => ask.Scope == EnvoyScope.Ip) ? await AnswerUnlimitedIpsAsync(asks) : null;
            var model = asks.Where(ask => ask is { Scope: EnvoyScope.Model, Refused: null }).Select(ask => ask.Value).Distinct().Count() == 1
                ? asks.First(ask => ask is { Scope: EnvoyScope.Model, Refused: null }).Value
                : null; // the key's models are checked when the request names one model
            var ips = asks.Where(ask => ask is { Scope: EnvoyScope.Ip, Refused: null, Result: null }).ToList();
            if (asks.Any(ask => ask.Refused is not null) || ips.Any(ip => limitedCallers.IsLimited(ip.Value)))
            {
                // Asked alone: the key, model or account named beside a refused value or a limited caller may be made up.
                await HitAsync(ips, hitId, defaults, model);
                if (asks.Any(ask => ask.Refused is not null || ask.Result is { Admission.Allowed: false })) return await AnswerAsync(asks, hitId);
            }
            await HitAsync([.. asks.Where(ask => ask is { Scope: not null, Refused: null, Result: null })], hitId, defaults, model);
            return await AnswerAsync(asks, hitId);
        }
        catch (Exception ex) when (ClusterFailures.CodeOf(ex) is { } code)
        {
            return Outage(asks, code, ex);
        }
        catch (TollgateException ex)
        {
            // A grain refused a field the checks here let through: a bug on one side, reported as the caller's.
            throw Invalid($"{ex.Code}: {ex.Message}");
        }
    }

    /// <summary>
    /// Answers the caller IPs no limit applies to (no defaults, none of their own) as their grains would, without calling them:
    /// nothing is counted there. Returns the IP defaults for the others.
    /// </summary>
    private async Task<LimitSettings> AnswerUnlimitedIpsAsync(List<Ask> asks)
    {
        var policy = await ipPolicies.GetAsync();
        foreach (var ask in asks)
        {
            if (ask is { Scope: EnvoyScope.Ip, Refused: null } && !policy.MayLimit(ask.Value)) ask.Result = Unlimited;
        }
        return policy.Defaults;
    }

    private static readonly HitResult Unlimited = new(new Admission(true, null, []), 0);

    /// <summary>The request's descriptors as Tollgate reads them; throws INVALID_ARGUMENT before anything is counted.</summary>
    private List<Ask> Read(RateLimitRequest request)
    {
        if (!options.Domains.TryGetValue(request.Domain, out var domain))
            throw Invalid($"Unknown domain '{Printable(request.Domain)}': this gateway's Envoy:Domains are {string.Join(", ", options.Domains.Keys)}.");
        if (request.Descriptors.Count == 0) throw Invalid("A request needs at least one descriptor.");
        if (request.Descriptors.Count > EnvoyOptions.MaxDescriptors) throw Invalid($"A request may carry at most {EnvoyOptions.MaxDescriptors} descriptors.");
        var asks = new List<Ask>(request.Descriptors.Count);
        foreach (var descriptor in request.Descriptors)
        {
            if (descriptor.Entries.Count == 0) throw Invalid($"Descriptor {asks.Count} has no entries.");
            var hits = descriptor.HitsAddend ?? Math.Max(1u, request.HitsAddend); // unset (0) on the request means 1; a descriptor's own 0 is a check
            if (hits > Price.MaxTokens)
                throw Invalid($"Descriptor {asks.Count} adds {hits} hits: more than {Price.MaxTokens}, the most one request's tokens may be.");
            asks.Add(Map(domain, descriptor, (long)hits));
        }
        EnvoyMetrics.UnmappedDescriptors(request.Domain, asks.Count(ask => ask.Scope is null));
        return asks;
    }

    /// <summary>A descriptor maps when it is one entry whose key the domain names; its value must name a grain of that scope.</summary>
    private Ask Map(EnvoyDomainOptions domain, RateLimitDescriptor descriptor, long hits)
    {
        if (descriptor.Entries is not [var entry] || !domain.Descriptors.TryGetValue(entry.Key, out var mapping)) return new Ask(null, HitUnit.Requests, "", hits);
        var ask = new Ask(mapping.Scope, mapping.Unit, "", hits);
        var value = entry.Value;
        switch (mapping.Scope)
        {
            case EnvoyScope.Ip:
                return CallerAddress.TryGetLimitKey(value, metering.Ipv6PrefixBits, out var ipKey)
                    ? ask with { Value = ipKey }
                    : ask with { Refused = new Denial("invalid_ip", "The caller's address is not an IP address.") };
            case EnvoyScope.Key:
                // What Envoy can take from a request is the header's whole value: the key, or "Bearer <key>".
                var key = value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value["Bearer ".Length..].Trim() : value.Trim();
                return ApiKeyFormat.TryParse(key, out var keyId, out var secretHash)
                    ? ask with { Value = keyId, SecretHash = secretHash }
                    : ask with { Refused = new Denial(Denials.InvalidApiKey, "The API key is not valid.") };
            case EnvoyScope.Model:
                var model = mapping.Prefix + value;
                return ModelNames.IsValid(model) ? ask with { Value = model }
                    : ask with { Refused = new Denial("invalid_model", "A model name is 1 to 200 characters of letters, digits and . _ : / @ + -") };
            default:
                var account = mapping.Prefix + value;
                return Ids.IsAccount(account) ? ask with { Value = account }
                    : ask with { Refused = new Denial("invalid_account_id", "An account id is 1 to 128 characters of letters, digits and . _ : @ -") };
        }
    }

    private async Task HitAsync(List<Ask> asks, string hitId, LimitSettings? defaults, string? model)
    {
        if (asks.Count == 0) return;
        var calls = new Task<HitResult>[asks.Count];
        for (var i = 0; i < asks.Count; i++)
        {
            var ask = asks[i];
            var hit = new LimitHit(hitId, ask.Unit, ask.Hits, ask.Scope == EnvoyScope.Ip ? defaults : null, ask.SecretHash, ask.Scope == EnvoyScope.Key ? model : null);
            calls[i] = Grain(ask).Durably(grain => grain.Hit(hit), static result => result.Admission);
        }
        try
        {
            await Task.WhenAll(calls);
        }
        finally
        {
            for (var i = 0; i < asks.Count; i++)
            {
                if (!calls[i].IsCompletedSuccessfully) continue;
                var ask = asks[i];
                ask.Result = calls[i].Result;
                allowance.Answered(ask.Scope!.Value, ask.Value);
                if (ask.Scope == EnvoyScope.Ip) limitedCallers.Answered(ask.Value, ask.Result.Admission);
                if (ask.Scope == EnvoyScope.Key && ask.Result.AccountId is not null) allowance.KeyVerified(ask.Value, ask.SecretHash!);
            }
        }
    }

    private ILimitedGrain Grain(Ask ask) => ask.Scope switch
    {
        EnvoyScope.Ip => grains.CallerIp(ask.Value),
        EnvoyScope.Key => grains.ApiKey(ask.Value),
        EnvoyScope.Model => grains.Model(ask.Value),
        _ => grains.Account(ask.Value),
    };

    /// <summary>Statuses, headers and body; a refused request first gives back the requests counted beside the caller IP.</summary>
    private async Task<RateLimitResponse> AnswerAsync(List<Ask> asks, string hitId)
    {
        var response = new RateLimitResponse { OverallCode = Code.Ok };
        foreach (var ask in asks) response.Statuses.Add(Status(ask));
        var refusal = asks.Where(ask => ask.Refusal is not null).OrderBy(ask => ask.Scope).Select(ask => ask.Refusal).FirstOrDefault();
        AddRateLimitHeaders(response, asks.SelectMany(ask => ask.Result?.Admission.Limits ?? []).ToList());
        if (refusal is null)
        {
            EnvoyMetrics.Answered(EnvoyMetrics.Ok);
            return response;
        }
        response.OverallCode = Code.OverLimit;
        // Only where a request window counted them: a scope without one counted nothing.
        var takeBacks = asks.Where(ask => ask is { Scope: not EnvoyScope.Ip, Unit: HitUnit.Requests, Hits: > 0, Result.Admission.Allowed: true }
            && ask.Result.Admission.Limits.Any(limit => limit.Name == "requests_per_minute")).ToList();
        if (takeBacks.Count > 0) await TakeBackAsync(takeBacks, hitId);
        Refuse(response, refusal, asks.Select(ask => ask.Refusal).Where(denial => denial?.Reason == Denials.RateLimited).ToList());
        EnvoyMetrics.Answered(EnvoyMetrics.OverLimit, refusal.Reason);
        return response;
    }

    /// <summary>Best effort, as an authorize's release: a hit not taken back stays counted (conservative).</summary>
    private async Task TakeBackAsync(List<Ask> asks, string hitId)
    {
        try
        {
            await Task.WhenAll(asks.Select(ask => Grain(ask).TakeBack(new HitTakeBack(hitId, ask.Result!.At, ask.Hits))));
        }
        catch (Exception ex)
        {
            logger.LogWarning("Taking back the requests of refused rate-limit call {HitId} failed ({Error}); they stay counted", hitId, ex.Message);
        }
    }

    private static DescriptorStatus Status(Ask ask)
    {
        if (ask.Scope is null) return new DescriptorStatus { Code = Code.Ok }; // not Tollgate's: no limit, nothing counted
        if (ask.Refused is not null) return new DescriptorStatus { Code = Code.OverLimit };
        if (ask.Result is not { } result) return new DescriptorStatus { Code = Code.Unknown }; // not asked: the caller IP refused first
        var admission = result.Admission;
        var status = new DescriptorStatus { Code = admission.Allowed ? Code.Ok : Code.OverLimit };
        // The window that refused, else the unit's tightest.
        var refusedBy = admission.Denial?.Limit is { } named ? named[(named.IndexOf('.') + 1)..] : null;
        var window = admission.Limits.FirstOrDefault(limit => limit.Name == refusedBy)
            ?? admission.Limits.Where(limit => ask.Unit == HitUnit.Requests ? limit.Name == "requests_per_minute" : limit.Name.StartsWith("tokens_per_", StringComparison.Ordinal))
                .MinBy(limit => limit.Remaining);
        if (window is null) return status;
        status.CurrentLimit = new RateLimitResponse.Types.RateLimit
        {
            Name = $"{window.Scope}.{window.Name}",
            RequestsPerUnit = Clamp(window.Limit),
            Unit = window.Name switch { "tokens_per_day" => Unit.Day, _ => Unit.Minute },
        };
        status.LimitRemaining = Clamp(window.Remaining);
        var resetMs = admission.Denial?.RetryAfterMs is { } retryAfter and not long.MaxValue ? retryAfter : window.ResetMs;
        status.DurationUntilReset = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(Math.Max(0, resetMs)));
        return status;
    }

    private static uint Clamp(long value) => (uint)Math.Clamp(value, 0, uint.MaxValue);

    /// <summary>The proxy's <c>x-ratelimit-*</c> headers (OpenAI's names: the tightest request and token limits of every scope asked).</summary>
    private static void AddRateLimitHeaders(RateLimitResponse response, List<LimitState> limits)
    {
        foreach (var (name, value) in ProxyErrors.RateLimitHeaderValues(RateLimitHeaders.Of(limits)))
            response.ResponseHeadersToAdd.Add(new HeaderValue { Key = name, Value = value });
    }

    /// <summary>Envoy's 429 as the proxy's: retry-after when waiting helps, and OpenAI's error body with Tollgate's code.</summary>
    private static void Refuse(RateLimitResponse response, Denial refusal, List<Denial?> rateLimited)
    {
        if (rateLimited.Count > 0)
        {
            // When every refusing window has room again; a concurrency limit, or hits that can never fit, say a second, as the proxy does.
            var retryAfter = rateLimited.Max(denial => denial!.RetryAfterMs is { } ms and not long.MaxValue ? ms : 1000);
            response.ResponseHeadersToAdd.Add(new HeaderValue { Key = "retry-after", Value = Math.Max(1, (retryAfter + 999) / 1000).ToString(CultureInfo.InvariantCulture) });
            response.ResponseHeadersToAdd.Add(new HeaderValue { Key = "retry-after-ms", Value = retryAfter.ToString(CultureInfo.InvariantCulture) });
        }
        var (_, type, code) = ProxyErrors.Of(refusal);
        var body = new ErrorBody(new ErrorDetail(ProxyErrors.MessageOf(refusal, ""), type, null, code));
        response.ResponseHeadersToAdd.Add(new HeaderValue { Key = "content-type", Value = "application/json" });
        response.RawBody = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(body, GatewayJson.Default.ErrorBody));
    }

    /// <summary>
    /// The cluster could not answer (after one attempt). Deny, the default: gRPC <c>UNAVAILABLE</c>, so Envoy's <c>failure_mode_deny</c>
    /// decides, as when the gateway itself is down. Allow: OK within this gateway's allowance, else OVER_LIMIT.
    /// </summary>
    private RateLimitResponse Outage(List<Ask> asks, string code, Exception failure)
    {
        var outage = proxy.Options.Outage;
        if (outage.Limits != OutageMode.Allow)
        {
            logger.LogWarning("Rate-limit call answered UNAVAILABLE: the cluster did not answer ({Code}: {Error})", code, failure.Message);
            EnvoyMetrics.Answered(EnvoyMetrics.Unavailable);
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, $"{code}: the cluster did not answer; Envoy's failure_mode_deny decides."));
        }
        var mapped = asks.Where(ask => ask.Scope is not null).ToList();
        var admitted = mapped.All(ask => ask.Refused is null)
            && allowance.TryAdmit([.. mapped.Select(ask => (ask.Scope!.Value, ask.Value, ask.Unit, ask.Hits, ask.SecretHash))], outage.RequestsPerKey);
        var response = new RateLimitResponse { OverallCode = admitted ? Code.Ok : Code.OverLimit };
        foreach (var ask in asks) response.Statuses.Add(new DescriptorStatus { Code = ask.Scope is null || admitted ? Code.Ok : Code.OverLimit });
        response.ResponseHeadersToAdd.Add(new HeaderValue { Key = DegradedHeader, Value = ErrorCodes.Unavailable });
        if (!admitted)
        {
            Refuse(response, new Denial(ErrorCodes.Unavailable, "The cluster did not answer, and this gateway's outage allowance does not cover the request."), []);
        }
        logger.LogWarning("Rate-limit call answered {Answer} by the outage policy: the cluster did not answer ({Code}: {Error})",
            admitted ? "OK" : "OVER_LIMIT", code, failure.Message);
        EnvoyMetrics.Answered(admitted ? EnvoyMetrics.DegradedOk : EnvoyMetrics.DegradedOverLimit);
        return response;
    }

    private static RpcException Invalid(string message)
    {
        EnvoyMetrics.Answered(EnvoyMetrics.Invalid);
        return new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, message));
    }

    private static string Printable(string text) => text.Length <= 100 && !text.Any(char.IsControl) ? text : "(not printable)";

    /// <param name="Scope">Null: the domain does not map the descriptor.</param>
    /// <param name="Value">The grain's key (a caller IP's limit key, a key id, a model, an account).</param>
    /// <param name="Refused">Why the value names no grain (answered OVER_LIMIT without asking).</param>
    private sealed record Ask(EnvoyScope? Scope, HitUnit Unit, string Value, long Hits)
    {
        public string? SecretHash { get; init; }
        public Denial? Refused { get; init; }
        public HitResult? Result { get; set; }

        /// <summary>Why this descriptor refuses the request, if it does.</summary>
        public Denial? Refusal => Refused ?? (Result is { Admission: { Allowed: false, Denial: var denial } } ? denial ?? new Denial(Denials.RateLimited, "Over the limit.") : null);
    }
}
