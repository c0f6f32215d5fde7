using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.OpenApi;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Cluster;
using Tollgate.Gateway.Journal;
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
        var proxy = v1.MapGroup("").Documented(ApiDocs.ProxyTag).Secured(ApiDocs.ApiKey);
        Forward(proxy, "/chat/completions", ProxyApi.ChatCompletions, "Chat completions (OpenAI's /v1/chat/completions)").Body<ChatCompletionsBody>();
        Forward(proxy, "/responses", ProxyApi.Responses, "Responses (OpenAI's /v1/responses)").Body<ResponsesBody>();
        Forward(proxy, "/completions", ProxyApi.Completions, "Completions (OpenAI's legacy /v1/completions)").Body<CompletionsBody>();
        Forward(proxy, "/embeddings", ProxyApi.Embeddings, "Embeddings (OpenAI's /v1/embeddings)").Body<EmbeddingsBody>();
        proxy.MapGet("/models", ListModelsAsync)
            .WithSummary("List the models the key may use")
            .WithDescription("Every model with a route and a price (or every routed model, when a default price is configured) that the key may use "
                + "(PUT /admin/keys/{keyId}/models), in OpenAI's list shape.")
            .Produces<ModelList>()
            .Errors(StatusCodes.Status503ServiceUnavailable);
    }

    private static RouteHandlerBuilder Forward(IEndpointRouteBuilder proxy, string route, ProxyApi api, string summary) =>
        proxy.MapPost(route, (HttpContext http, MeteredProxy proxy) => proxy.ForwardAsync(http, api))
            .WithSummary(summary)
            .WithDescription("Metered: authorized before it is forwarded (input counted with a tokenizer, output held up to the request's cap, "
                + "or Proxy:DefaultMaxOutputTokens), settled once it has ended with the provider's usage or the proxy's own count. "
                + "The body goes to the model's provider as it came, with the model renamed to the provider's name for it; the provider's answer "
                + "(JSON, or server-sent events for a stream) comes back as it came, and so does a provider's own error, with its status. "
                + "Every answer carries x-request-id and x-ratelimit-* headers. Tollgate's own refusals: 401 invalid_api_key or key_revoked, "
                + "402 insufficient_quota or trial_exhausted, 403 account_suspended, account_not_found or model_not_allowed (the key may not use the model), 404 model_not_found or model_not_priced, "
                + "429 rate_limit_exceeded (with Retry-After), 502 upstream_unreachable, 503 provider_not_configured or cluster_unavailable, 504 upstream_timeout.")
            .Produces(StatusCodes.Status200OK)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The provider's answer, relayed: its shape is OpenAI's, not Tollgate's.
                if (operation.Responses?["200"] is not OpenApiResponse answer) return Task.CompletedTask;
                answer.Description = "The provider's answer, as it came: JSON, or server-sent events for a stream.";
                answer.Content ??= new Dictionary<string, OpenApiMediaType>();
                answer.Content["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "OpenAI's response object." } };
                if (api.Streams)
                    answer.Content["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "OpenAI's stream events, ending with data: [DONE] (chat, completions) or the last response event." } };
                return Task.CompletedTask;
            })
            .Errors(StatusCodes.Status402PaymentRequired, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict,
                StatusCodes.Status429TooManyRequests, StatusCodes.Status502BadGateway)
            .ClusterErrors();

    /// <summary>
    /// The models the key may use: every model with a route and a price (or any routed model, with a default price configured)
    /// that the key's model patterns allow. The patterns come with the key's verification: one grain call.
    /// </summary>
    private static async Task<IResult> ListModelsAsync(HttpContext http, IGrainFactory grains, AdminListings listings, MeteringOptions metering)
    {
        var key = await MeteredProxy.VerifyKeyAsync(MeteredProxy.PresentedKey(http), grains);
        if (key.Refused is { } refused)
            throw refused.Reason == Denials.KeyRevoked ? new ApiException(StatusCodes.Status401Unauthorized, Denials.KeyRevoked, refused.Message) : MeteredProxy.InvalidKey();
        var models = await listings.RoutedModelsAsync(pricedOnly: metering.FallbackPrice is null);
        return Results.Ok(new ModelList("list", [.. models
            .Where(model => ModelAccess.Allows(key.Models, model.Model))
            .Select(model => new ModelEntry(model.Model, "model", model.CreatedAt.ToUnixTimeSeconds(), "tollgate"))]));
    }
}

public sealed record ModelList(string Object, IReadOnlyList<ModelEntry> Data);

public sealed record ModelEntry(string Id, string Object, long Created, string OwnedBy);

// Request bodies, for the OpenAPI document only: the fields the proxy reads (ProxyRequest, TokenCounter); any other field
// goes to the provider unchanged.

public sealed class StreamOptionsBody
{
    [Description("The client sees the stream's usage chunk; otherwise the proxy asks for it and drops it.")]
    public bool? IncludeUsage { get; init; }
}

public abstract class ProxiedBody
{
    [Description("The model, as routed with PUT /admin/models/{model}/route.")]
    public required string Model { get; init; }

    /// <summary>Any other field (the schema's additionalProperties, see ApiDocs).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; init; }
}

public abstract class GeneratingBody : ProxiedBody
{
    [Description("Stream the answer as server-sent events.")]
    public bool? Stream { get; init; }

    [Description("Number of choices: the output hold is multiplied by it (at most 128).")]
    public long? N { get; init; }

    [Description("Candidates generated (the larger of n and best_of multiplies the output hold; at most 128).")]
    public long? BestOf { get; init; }
}

public sealed class ChatCompletionsBody : GeneratingBody
{
    [Description("The conversation (the provider requires it); counted as input.")]
    public JsonElement? Messages { get; init; }

    [Description("Asks for the stream's usage chunk (include_usage).")]
    public StreamOptionsBody? StreamOptions { get; init; }

    [Description("Output cap held (per choice); Proxy:DefaultMaxOutputTokens when neither it nor max_tokens is given.")]
    public long? MaxCompletionTokens { get; init; }

    [Description("Output cap held when max_completion_tokens is not given.")]
    public long? MaxTokens { get; init; }

    [Description("Counted as input.")]
    public JsonElement? Tools { get; init; }

    [Description("Counted as input.")]
    public JsonElement? Functions { get; init; }

    [Description("Its json_schema is counted as input.")]
    public JsonElement? ResponseFormat { get; init; }
}

public sealed class ResponsesBody : GeneratingBody
{
    [Description("A string or a list of input items; counted as input.")]
    public JsonElement? Input { get; init; }

    [Description("Counted as input.")]
    public string? Instructions { get; init; }

    [Description("Output cap held; Proxy:DefaultMaxOutputTokens by default.")]
    public long? MaxOutputTokens { get; init; }

    [Description("Counted as input.")]
    public JsonElement? Tools { get; init; }

    [Description("A json_schema format is counted as input.")]
    public JsonElement? Text { get; init; }
}

public sealed class CompletionsBody : GeneratingBody
{
    [Description("A string, a list of strings, a list of token ids or a list of lists of them (the provider requires it); counted as input.")]
    public JsonElement? Prompt { get; init; }

    [Description("Asks for the stream's usage chunk (include_usage).")]
    public StreamOptionsBody? StreamOptions { get; init; }

    [Description("Output cap held (per choice); Proxy:DefaultMaxOutputTokens by default.")]
    public long? MaxTokens { get; init; }
}

public sealed class EmbeddingsBody : ProxiedBody
{
    [Description("A string, a list of strings, a list of token ids or a list of lists of them (the provider requires it); counted as input.")]
    public JsonElement? Input { get; init; }

    [Description("Must be false or missing: embeddings do not stream.")]
    public bool? Stream { get; init; }
}

/// <summary>Serves one proxied request, from authorize to settle.</summary>
internal sealed class MeteredProxy(
    Authorizer authorizer, Settlement settlement, SettlementJournal journal, OutageAllowance allowance, TokenCounter counter, ProxySettings settings, Relay relay, MeteringOptions metering,
    ProxyMetrics metrics, IGrainFactory grains, TimeProvider time, ILogger<MeteredProxy> logger)
{
    /// <summary>Set on an answer the outage policy admitted: the cluster could not authorize it.</summary>
    public const string DegradedHeader = "x-tollgate-degraded";

    internal async Task ForwardAsync(HttpContext http, ProxyApi api)
    {
        var options = settings.Options;
        var requestId = "px_" + Guid.CreateVersion7().ToString("N");
        http.Response.Headers["x-request-id"] = requestId;
        // The key first: a caller without one must not make the gateway read, hold or parse a body (up to 32 MiB).
        var apiKey = PresentedKey(http);
        Denial? refused;
        try
        {
            refused = (await VerifyKeyAsync(apiKey, grains, allowance)).Refused;
        }
        catch (Exception ex) when (ClusterFailures.CodeOf(ex) is not null && options.Outage.Limits == OutageMode.Allow && allowance.Knows(apiKey))
        {
            refused = null; // the cluster cannot answer; this gateway saw it verify this key (the outage policy decides at authorize)
        }
        if (refused is not null)
        {
            metrics.RefusedKey(refused.Reason);
            await ProxyErrors.WriteDenialAsync(http, refused, model: "");
            return;
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = options.MaxRequestBytes;

        using var body = await JsonBody.ReadAsync(http.Request, options.MaxRequestBytes, maxDepth: 128);
        var request = ProxyRequest.Read(api, body.Root, options.DefaultMaxOutputTokens);
        // Counted with the provider's tokenizer: an alias 'fast' routed to gpt-4o-mini counts as gpt-4o-mini does.
        var input = Math.Min(api.CountInput(counter, body.Root, allowance.UpstreamModelOf(request.Model) ?? request.Model), Price.MaxTokens);
        var caller = settings.CallerIp.Resolve(http.Connection.RemoteIpAddress, http.Request.Headers["X-Forwarded-For"]);
        if (!CallerAddress.TryGetLimitKey(caller.ToString(), metering.Ipv6PrefixBits, out var ipKey))
            throw new InvalidOperationException($"The caller address {caller} has no limit key.");

        var call = new AuthorizeCall(requestId, apiKey, null, caller.ToString(), ipKey, request.Model, input, request.OutputCap, options.HoldLeaseSeconds,
            RequireRoute: true);
        Authorization authorization;
        var degraded = false;
        try
        {
            authorization = await authorizer.AuthorizeAsync(call, time, http.RequestAborted);
        }
        catch (Exception ex) when (ClusterFailures.CodeOf(ex) is not null)
        {
            if (allowance.TryAdmit(call, Authorizer.LimitsAnswered(ex), options.Outage, time) is not { } admitted) throw;
            logger.LogWarning("Request {RequestId} admitted by the outage policy: the cluster could not authorize it ({Error})", requestId, ex.Message);
            (authorization, degraded) = (admitted, true);
            http.Response.Headers[DegradedHeader] = "cluster_unavailable";
        }
        if (!degraded && authorization is { Reservation: { } authorized, Route: { } authorizedRoute }) allowance.Authorized(authorized, authorizedRoute);
        ProxyErrors.SetRateLimitHeaders(http.Response, authorization.Response.RateLimit);
        ProxyErrors.SetBudgetHeaders(http.Response, authorization.Response.Budgets);
        if (authorization is not { Reservation: { } reservation, Route: { } route })
        {
            var denied = authorization.Response;
            await ProxyErrors.WriteDenialAsync(http, new Denial(denied.Reason!, denied.Message!, denied.Limit, denied.RetryAfterMs), request.Model);
            return;
        }

        if (!options.Providers.TryGetValue(route.Provider, out var provider))
        {
            await settlement.VoidQuietlyAsync(reservation, "proxy"); // whatever it throws, the answer is this 503
            logger.LogError("Model {Model} is routed to provider {Provider}, which this gateway does not configure (Proxy:Providers)", request.Model, route.Provider);
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "provider_not_configured", $"The model '{request.Model}' is routed to a provider this gateway does not know.");
        }

        var started = Stopwatch.GetTimestamp();
        RelayResult result;
        // The hold was taken for one lease: renewed while the request runs, so a gateway that dies leaves it for at most that.
        // An outage admission has no hold to renew.
        using (degraded ? null : HoldRenewal.Start(grains, reservation, options.HoldLease, provider.Timeout + options.MaxStreamDuration, time, metrics, logger))
        {
            try
            {
                // Sized for the body plus what the gateway adds (the upstream name, a cap, stream_options), so it is not doubled.
                var upstreamBody = new ArrayBufferWriter<byte>((int)Math.Clamp((http.Request.ContentLength ?? 4096) + 1024, 1024, int.MaxValue));
                request.WriteUpstreamBody(body.Root, upstreamBody, route.UpstreamModel);
                // The provider's copy is the only one needed from here: the client's (its buffer and parsed document, up to
                // Proxy:MaxRequestBytes) is released now, not when the exchange ends, which for a stream can be minutes away.
                body.Dispose();
                result = await relay.ExchangeAsync(http, request, upstreamBody.WrittenMemory, provider, options);
            }
            catch (Exception ex)
            {
                // A bug, not the provider: still settle, exactly once, with what is known.
                logger.LogError(ex, "Relaying request {RequestId} failed", requestId);
                result = new RelayResult(Outcomes.GatewayError, null, 0, InputProcessed: true);
            }
        }
        var tokens = TokensOf(result, input, route.Provider, request.Model);
        var latency = (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        await SettleAsync(reservation, tokens, result.Outcome, request.Stream, latency);
    }

    /// <summary>
    /// The provider's usage when it reported one. Otherwise the proxy's count: of the output it read (and the estimated
    /// input, since the provider processed it), or nothing when the provider never began an answer and its client did
    /// not leave after sending it the whole request.
    /// </summary>
    private SettledTokens TokensOf(RelayResult result, long estimatedInput, string provider, string model)
    {
        if (result.Usage is { } reported)
        {
            var usage = reported.Bounded(out var capped);
            if (!capped) return new SettledTokens(usage.Input, usage.Output, Estimated: false, usage.Details);
            // More than any context window, or parts larger than their totals: charged within bounds, and flagged as not the provider's figure.
            metrics.CappedUsage(provider, model);
            logger.LogWarning("Provider {Provider} reported {Usage} for model {Model}: charged as {Charged} (at most {Max} tokens each, parts within their totals), marked estimated",
                provider, reported, model, usage, Price.MaxTokens);
            return new SettledTokens(usage.Input, usage.Output, Estimated: true, usage.Details);
        }
        var startedSuccessfully = result.InputProcessed && result.Outcome != Outcomes.UpstreamError || result.CountedOutput > 0;
        if (!startedSuccessfully) return new SettledTokens(0, 0, Estimated: false);
        metrics.Estimated(provider, model);
        return new SettledTokens(estimatedInput, result.CountedOutput, Estimated: true);
    }

    /// <summary>
    /// Settles now, or journals the settlement when the cluster cannot take it (<see cref="SettlementJournal"/>): the
    /// client has its answer, so only the charge is at stake, and <see cref="JournalReplay"/> applies it exactly once later.
    /// </summary>
    private async Task SettleAsync(ReservationToken reservation, SettledTokens tokens, string outcome, bool streamed, int latencyMs)
    {
        try
        {
            await settlement.SettleAsync(reservation, tokens, outcome, streamed, latencyMs);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Settling request {RequestId} of account {AccountId} failed ({Error}): journaled, to be applied when the cluster takes it",
                reservation.RequestId, reservation.AccountId, ex.Message);
            await journal.RecordAsync(new JournaledSettlement(reservation, tokens.Input, tokens.Output, tokens.Estimated, outcome, streamed, latencyMs, time.GetUtcNow(),
                tokens.Details));
        }
    }

    /// <summary>
    /// The presented API key as its grain verified it: why it is refused (missing, malformed, unknown or revoked), or
    /// the models it may use (null: every model).
    /// </summary>
    /// <param name="allowance">Remembers a key the cluster verified, for the outage policy.</param>
    internal static async Task<(Denial? Refused, IReadOnlyList<string>? Models)> VerifyKeyAsync(string? key, IGrainFactory grains, OutageAllowance? allowance = null)
    {
        if (!ApiKeyFormat.TryParse(key, out var keyId, out var secretHash)) return (new Denial(Denials.InvalidApiKey, "The API key is not valid."), null);
        var check = await grains.ApiKey(keyId).Verify(new VerifyApiKey(secretHash));
        if (check.Revoked) return (new Denial(Denials.KeyRevoked, "The API key has been revoked."), null);
        if (!check.Valid) return (new Denial(Denials.InvalidApiKey, "The API key is not valid."), null);
        allowance?.KeyVerified(keyId, secretHash, check.AccountId!, check.Models);
        return (null, check.Models);
    }

    internal static string? PresentedKey(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    internal static ApiException InvalidKey() =>
        new(StatusCodes.Status401Unauthorized, "invalid_api_key", "Incorrect API key provided: give a Tollgate key (tg_…) as 'Authorization: Bearer <key>'.");
}
