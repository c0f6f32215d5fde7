using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Metering;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The OpenAI-compatible proxy, authenticated by a Tollgate API key (<c>Authorization: Bearer tg_…</c>). Every
/// request goes through the metering API's own path: authorized before it is forwarded (input counted with a
/// tokenizer, output held up to its cap), settled once it has ended, with the provider's usage or, when there is
/// none, the proxy's own count (marked estimated).
/// </summary>
public static class ProxyEndpoints
{
    public static void MapProxy(this IEndpointRouteBuilder v1)
    {
        v1.MapPost("/chat/completions", (HttpContext http, MeteredProxy proxy) => proxy.ForwardAsync(http, ProxyApi.ChatCompletions));
        v1.MapPost("/responses", (HttpContext http, MeteredProxy proxy) => proxy.ForwardAsync(http, ProxyApi.Responses));
        v1.MapPost("/completions", (HttpContext http, MeteredProxy proxy) => proxy.ForwardAsync(http, ProxyApi.Completions));
        v1.MapPost("/embeddings", (HttpContext http, MeteredProxy proxy) => proxy.ForwardAsync(http, ProxyApi.Embeddings));
        v1.MapGet("/models", ListModelsAsync);
    }

    /// <summary>The models the key may use: every model with a route and a price (or any routed model, with a default price configured).</summary>
    private static async Task<IResult> ListModelsAsync(HttpContext http, IGrainFactory grains, AdminListings listings, MeteringOptions metering)
    {
        var key = MeteredProxy.PresentedKey(http);
        if (!ApiKeyFormat.TryParse(key, out var keyId, out var secretHash)) throw MeteredProxy.InvalidKey();
        var check = await grains.ApiKey(keyId).Verify(new VerifyApiKey(secretHash));
        if (check.Revoked) throw new ApiException(StatusCodes.Status401Unauthorized, Denials.KeyRevoked, "The API key has been revoked.");
        if (!check.Valid) throw MeteredProxy.InvalidKey();
        var models = await listings.RoutedModelsAsync(pricedOnly: metering.FallbackPrice is null);
        return Results.Ok(new ModelList("list", [.. models.Select(model => new ModelEntry(model.Model, "model", model.CreatedAt.ToUnixTimeSeconds(), "tollgate"))]));
    }
}

public sealed record ModelList(string Object, IReadOnlyList<ModelEntry> Data);

public sealed record ModelEntry(string Id, string Object, long Created, string OwnedBy);

/// <summary>Serves one proxied request, from authorize to settle.</summary>
internal sealed class MeteredProxy(
    Authorizer authorizer, Settlement settlement, TokenCounter counter, ProxySettings settings, Relay relay, MeteringOptions metering,
    ProxyMetrics metrics, TimeProvider time, ILogger<MeteredProxy> logger)
{
    internal async Task ForwardAsync(HttpContext http, ProxyApi api)
    {
        var options = settings.Options;
        var requestId = "px_" + Guid.CreateVersion7().ToString("N");
        http.Response.Headers["x-request-id"] = requestId;
        var apiKey = PresentedKey(http) ?? throw InvalidKey();
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = options.MaxRequestBytes;

        using var body = await JsonBody.ReadAsync(http.Request, options.MaxRequestBytes, maxDepth: 128);
        var request = ProxyRequest.Read(api, body.Root, options.DefaultMaxOutputTokens);
        var input = Math.Min(api.CountInput(counter, request.Body, request.Model), Price.MaxTokens);
        var caller = settings.CallerIp.Resolve(http.Connection.RemoteIpAddress, http.Request.Headers["X-Forwarded-For"]);
        if (!CallerAddress.TryGetLimitKey(caller.ToString(), metering.Ipv6PrefixBits, out var ipKey))
            throw new InvalidOperationException($"The caller address {caller} has no limit key.");

        var call = new AuthorizeCall(requestId, apiKey, null, caller.ToString(), ipKey, request.Model, input, request.OutputCap, options.ReservationTtlSeconds,
            RequireRoute: true);
        var authorization = await authorizer.AuthorizeAsync(call, time, http.RequestAborted);
        ProxyErrors.SetRateLimitHeaders(http.Response, authorization.Response.RateLimit);
        if (authorization is not { Reservation: { } reservation, Route: { } route })
        {
            var denied = authorization.Response;
            await ProxyErrors.WriteDenialAsync(http, new Denial(denied.Reason!, denied.Message!, denied.Limit, denied.RetryAfterMs), request.Model);
            return;
        }

        if (!options.Providers.TryGetValue(route.Provider, out var provider))
        {
            await settlement.VoidAsync(reservation);
            logger.LogError("Model {Model} is routed to provider {Provider}, which this gateway does not configure (Proxy:Providers)", request.Model, route.Provider);
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "provider_not_configured", $"The model '{request.Model}' is routed to a provider this gateway does not know.");
        }

        var started = Stopwatch.GetTimestamp();
        RelayResult result;
        try
        {
            result = await relay.ExchangeAsync(http, request, provider, route.UpstreamModel, options.MaxResponseBytes);
        }
        catch (Exception ex)
        {
            // A bug, not the provider: still settle, exactly once, with what is known.
            logger.LogError(ex, "Relaying request {RequestId} failed", requestId);
            result = new RelayResult(Outcomes.GatewayError, null, 0, Answered: true);
        }
        var tokens = TokensOf(result, input, route.Provider, request.Model);
        var latency = (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        await SettleAsync(reservation, tokens, result.Outcome, request.Stream, latency, route.Provider);
    }

    /// <summary>
    /// The provider's usage when it reported one. Otherwise the proxy's count: of a stream's relayed output (and the
    /// estimated input, since the provider processed it), or nothing when the provider never began an answer.
    /// </summary>
    private SettledTokens TokensOf(RelayResult result, long estimatedInput, string provider, string model)
    {
        if (result.Usage is { } usage) return new SettledTokens(usage.Input, usage.Output, Estimated: false);
        var startedSuccessfully = result.Answered && result.Outcome != Outcomes.UpstreamError || result.CountedOutput > 0;
        if (!startedSuccessfully) return new SettledTokens(0, 0, Estimated: false);
        metrics.Estimated(provider, model);
        return new SettledTokens(estimatedInput, result.CountedOutput, Estimated: true);
    }

    /// <summary>
    /// Settles with bounded retries: the client has its answer, so only the charge is at stake. If every attempt
    /// fails the hold expires with its reservation and the charge is lost: logged as an error and counted.
    /// </summary>
    private async Task SettleAsync(ReservationToken reservation, SettledTokens tokens, string outcome, bool streamed, int latencyMs, string provider)
    {
        TimeSpan[] pauses = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await settlement.SettleAsync(reservation, tokens, outcome, streamed, latencyMs);
                return;
            }
            catch (Exception ex) when (attempt < pauses.Length && Cluster.ClusterFailures.CodeOf(ex) is not null)
            {
                await Task.Delay(pauses[attempt], time);
            }
            catch (Exception ex)
            {
                metrics.Unsettled(provider);
                logger.LogError("Settling request {RequestId} of account {AccountId} failed ({Error}): {Input} input and {Output} output tokens are not charged",
                    reservation.RequestId, reservation.AccountId, ex.Message, tokens.Input, tokens.Output);
                return;
            }
        }
    }

    internal static string? PresentedKey(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    internal static ApiException InvalidKey() =>
        new(StatusCodes.Status401Unauthorized, "invalid_api_key", "Incorrect API key provided: give a Tollgate key (tg_…) as 'Authorization: Bearer <key>'.");
}
