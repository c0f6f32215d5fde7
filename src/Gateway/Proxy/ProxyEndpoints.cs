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
/// The proxy: OpenAI-compatible, and Anthropic's Messages API, authenticated by a Tollgate API key
/// (<c>Authorization: Bearer tg_…</c>, or <c>x-api-key</c>). Every request goes through the metering API's own path:
/// authorized before it is forwarded (input counted with a tokenizer, output held up to its cap), settled once it has
/// ended, with the provider's usage or, when there is none, the proxy's own count (marked estimated).
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
                + "(PUT /admin/keys/{keyId}/models). In OpenAI's list shape, the models of OpenAI-compatible providers; asked with an anthropic-version "
                + "header, in Anthropic's shape ({data: [{type, id, display_name, created_at}], has_more, first_id, last_id}, one page), the models of "
                + "anthropic providers, and errors in Anthropic's shape too.")
            .Header(AnthropicHeaders.Version, "Present: Anthropic's list shape and errors, the models /v1/messages serves.")
            .Produces<ModelList>()
            .Errors(StatusCodes.Status503ServiceUnavailable);

        // Anthropic's Messages API: everything it answers is in Anthropic's error shape (AnthropicErrors).
        var anthropic = v1.MapGroup("").WithTags(ApiDocs.ProxyTag).WithMetadata(new ApiDocs.SecuredBy(ApiDocs.ApiKey))
            .ErrorsInAnthropicShape(StatusCodes.Status500InternalServerError, StatusCodes.Status401Unauthorized);
        Forward(anthropic, "/messages", ProxyApi.Messages, "Messages (Anthropic's /v1/messages)")
            .Accepts<MessagesBody>(false, "application/json").ErrorsInAnthropicShape(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge)
            .Header(AnthropicHeaders.Version, "Required, as Anthropic requires it: passed to the provider as it is.")
            .Header(AnthropicHeaders.Beta, "Passed to the provider as it is.")
            .Header(AnthropicHeaders.ApiKey, "The Tollgate key (tg_…), as Anthropic's SDKs send a key; Authorization: Bearer wins when both are sent.");
        anthropic.MapPost("/messages/count_tokens", (HttpContext http, MeteredProxy proxy) => proxy.CountTokensAsync(http))
            .WithSummary("Count a message's input tokens (Anthropic's /v1/messages/count_tokens)")
            .WithDescription("Not metered and not charged: the key is verified and its access to the model checked, then the body goes to the model's "
                + "provider (an anthropic one) with the model renamed, and its answer ({input_tokens}), or its own error, comes back as it came. "
                + "Tollgate's own refusals, in Anthropic's error shape: 400 invalid_request_error (a bad body, a missing anthropic-version, "
                + "model_api_mismatch for a model of an OpenAI-compatible provider), 401 authentication_error, 403 permission_error (model_not_allowed), "
                + "404 not_found_error (model_not_found), 502 api_error, 503 overloaded_error, 504 timeout_error.")
            .Accepts<CountTokensBody>(false, "application/json")
            .Header(AnthropicHeaders.Version, "Required, as Anthropic requires it: passed to the provider as it is.")
            .Header(AnthropicHeaders.Beta, "Passed to the provider as it is.")
            .Header(AnthropicHeaders.ApiKey, "The Tollgate key (tg_…), as Anthropic's SDKs send a key; Authorization: Bearer wins when both are sent.")
            .Produces(StatusCodes.Status200OK)
            .ErrorsInAnthropicShape(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable, StatusCodes.Status504GatewayTimeout);
    }

    private static RouteHandlerBuilder Forward(IEndpointRouteBuilder proxy, string route, ProxyApi api, string summary)
    {
        var anthropic = api.Kind == ProviderKind.Anthropic;
        var builder = proxy.MapPost(route, (HttpContext http, MeteredProxy proxy) => proxy.ForwardAsync(http, api))
            .WithSummary(summary)
            .WithDescription(anthropic
                ? "Metered: authorized before it is forwarded (input counted with a tokenizer, Claude models by the documented estimate: o200k_base × 1.25; "
                + "output held up to the required max_tokens), settled once it has ended with the provider's usage (cache reads and writes priced apart) "
                + "or the proxy's own count. Served only for models routed to an anthropic provider (a model of an OpenAI-compatible provider is a 400 "
                + "model_api_mismatch: the two APIs are never translated). The body goes to the provider's /messages as it came, with the model renamed, "
                + "the provider's key as x-api-key and the client's anthropic-version and anthropic-beta; the answer (JSON, or Anthropic's server-sent "
                + "events) comes back as it came, and so does a provider's own error. Every answer carries x-request-id and request-id (the usage row's id) "
                + "and x-ratelimit-* headers. Tollgate's own refusals, in Anthropic's error shape with Tollgate's code in error.details.error_code: "
                + "400 invalid_request_error, 401 authentication_error (invalid_api_key, key_revoked), 402 billing_error (insufficient_credit, "
                + "trial_exhausted, budget_exceeded), 403 permission_error (account_suspended, account_not_found, model_not_allowed), 404 not_found_error "
                + "(model_not_found, model_not_priced), 429 rate_limit_error (with Retry-After), 502 api_error, 503 overloaded_error (provider_not_configured, "
                + "cluster_unavailable), 504 timeout_error (upstream_timeout)."
                : "Metered: authorized before it is forwarded (input counted with a tokenizer, output held up to the request's cap, "
                + "or Proxy:DefaultMaxOutputTokens), settled once it has ended with the provider's usage or the proxy's own count. "
                + "The body goes to the model's provider as it came, with the model renamed to the provider's name for it; the provider's answer "
                + "(JSON, or server-sent events for a stream) comes back as it came, and so does a provider's own error, with its status. "
                + "Every answer carries x-request-id and x-ratelimit-* headers. Tollgate's own refusals: 400 model_api_mismatch (a model of an anthropic provider: "
                + "use /v1/messages), 401 invalid_api_key or key_revoked, "
                + "402 insufficient_quota or trial_exhausted, 403 account_suspended, account_not_found or model_not_allowed (the key may not use the model), 404 model_not_found or model_not_priced, "
                + "429 rate_limit_exceeded (with Retry-After), 502 upstream_unreachable, 503 provider_not_configured or cluster_unavailable, 504 upstream_timeout.")
            .Produces(StatusCodes.Status200OK)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The provider's answer, relayed: its shape is the provider's API's, not Tollgate's.
                if (operation.Responses?["200"] is not OpenApiResponse answer) return Task.CompletedTask;
                answer.Description = "The provider's answer, as it came: JSON, or server-sent events for a stream.";
                answer.Content ??= new Dictionary<string, OpenApiMediaType>();
                answer.Content["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object, Description = anthropic ? "Anthropic's message object." : "OpenAI's response object." } };
                if (!api.Streams) return Task.CompletedTask;
                var events = anthropic
                    ? "Anthropic's stream events: message_start, content_block_start/delta/stop, message_delta (with the usage), message_stop."
                    : "OpenAI's stream events, ending with data: [DONE] (chat, completions) or the last response event.";
                answer.Content["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = events } };
                return Task.CompletedTask;
            });
        int[] errors = [StatusCodes.Status402PaymentRequired, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict,
            StatusCodes.Status429TooManyRequests, StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable, StatusCodes.Status504GatewayTimeout];
        return anthropic ? builder.ErrorsInAnthropicShape(errors) : builder.Errors(errors);
    }

    /// <summary>
    /// The models the key may use: every model with a route and a price (or any routed model, with a default price configured)
    /// that the key's model patterns allow. The patterns come with the key's verification: one grain call.
    /// </summary>
    private static async Task<IResult> ListModelsAsync(HttpContext http, IGrainFactory grains, AdminListings listings, MeteringOptions metering, ProxySettings settings)
    {
        var key = await MeteredProxy.VerifyKeyAsync(MeteredProxy.PresentedKey(http), grains);
        if (key.Refused is { } refused)
            throw refused.Reason == Denials.KeyRevoked ? new ApiException(StatusCodes.Status401Unauthorized, Denials.KeyRevoked, refused.Message) : MeteredProxy.InvalidKey();
        var models = await listings.RoutedModelsAsync(pricedOnly: metering.FallbackPrice is null);
        // Each shape lists the models its API serves: Anthropic's those of anthropic providers, OpenAI's the others
        // (a provider this gateway does not configure included, as before kinds existed).
        var providers = settings.Options.Providers;
        var anthropic = http.Request.Headers.ContainsKey(AnthropicHeaders.Version);
        var usable = models.Where(model => ModelAccess.Allows(key.Models, model.Model)
            && (providers.TryGetValue(model.Provider, out var provider) && provider.ApiKind == ProviderKind.Anthropic) == anthropic).ToList();
        if (!anthropic) return Results.Ok(new ModelList("list", [.. usable.Select(model => new ModelEntry(model.Model, "model", model.CreatedAt.ToUnixTimeSeconds(), "tollgate"))]));
        return Results.Ok(new AnthropicModelList([.. usable.Select(model => new AnthropicModel("model", model.Model, model.Model,
            model.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)))],
            HasMore: false, usable.Count > 0 ? usable[0].Model : null, usable.Count > 0 ? usable[^1].Model : null));
    }
}

public sealed record ModelList(string Object, IReadOnlyList<ModelEntry> Data);

public sealed record ModelEntry(string Id, string Object, long Created, string OwnedBy);

/// <summary>Anthropic's model list: one page holding every model (<c>limit</c>, <c>after_id</c> and <c>before_id</c> are not read).</summary>
public sealed record AnthropicModelList(IReadOnlyList<AnthropicModel> Data, bool HasMore, string? FirstId, string? LastId);

/// <summary>Anthropic's model object; <see cref="CreatedAt"/> is RFC 3339, the display name the model's Tollgate name.</summary>
public sealed record AnthropicModel(string Type, string Id, string DisplayName, string CreatedAt);

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

public sealed class MessagesBody : ProxiedBody
{
    [Description("Required (as Anthropic requires it): the output cap, from 1; the hold is sized from it, and no default is ever added.")]
    public required long MaxTokens { get; init; }

    [Description("The conversation: messages whose content is a string or content blocks (text, image, document, tool_use, tool_result, thinking); counted as input.")]
    public JsonElement? Messages { get; init; }

    [Description("The system prompt, a string or text blocks; counted as input.")]
    public JsonElement? System { get; init; }

    [Description("Counted as input (their JSON text).")]
    public JsonElement? Tools { get; init; }

    [Description("Stream the answer as Anthropic's server-sent events.")]
    public bool? Stream { get; init; }
}

public sealed class CountTokensBody : ProxiedBody
{
    [Description("The conversation, as for /v1/messages.")]
    public JsonElement? Messages { get; init; }

    [Description("The system prompt, a string or text blocks.")]
    public JsonElement? System { get; init; }

    [Description("Tool definitions.")]
    public JsonElement? Tools { get; init; }
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
        if (api.Kind == ProviderKind.Anthropic) http.Response.Headers[AnthropicHeaders.RequestId] = requestId; // where Anthropic's SDKs look for it
        // The key first: a caller without one must not make the gateway read, hold or parse a body (up to 32 MiB). A key this
        // gateway saw the cluster verify is not asked again: the key's grain authorizes every request anyway, before anything is
        // forwarded, so this check only guards the body, and a key refused there (or a model it may not use) is forgotten (KeyRefused below).
        var apiKey = PresentedKey(http);
        if (!allowance.Knows(apiKey) && (await VerifyKeyAsync(apiKey, grains, allowance)).Refused is { } refused)
        {
            metrics.RefusedKey(refused.Reason);
            await ProxyErrors.WriteDenialAsync(http, refused, model: "");
            return;
        }
        if (api.Kind == ProviderKind.Anthropic) RequireVersion(http);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = options.MaxRequestBytes;

        using var body = await JsonBody.ReadAsync(http.Request, options.MaxRequestBytes, maxDepth: 128);
        var request = ProxyRequest.Read(api, body.Root, options.DefaultMaxOutputTokens);
        // A model this gateway has seen routed to a provider of the other API's kind is refused before anything is held.
        if (await RoutedElsewhereAsync(api, request.Model, options)) throw WrongApi(api, request.Model);
        // Counted with the provider's tokenizer: an alias 'fast' routed to gpt-4o-mini counts as gpt-4o-mini does. Before this gateway has
        // seen the model's route, by its Tollgate name; on Anthropic's API, as a Claude model (the Claude rule errs high).
        var countedAs = allowance.UpstreamModelOf(request.Model) ?? (api.Kind == ProviderKind.Anthropic ? TokenCounter.AnyClaude : request.Model);
        var input = Math.Min(api.CountInput(counter, body.Root, countedAs), Price.MaxTokens);
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
            // The key, or its model list, changed since this gateway verified it: verified again next time (the outage policy admits by it).
            if (denied.Reason is Denials.KeyRevoked or Denials.InvalidApiKey or Denials.ModelNotAllowed) allowance.KeyRefused(apiKey);
            await ProxyErrors.WriteDenialAsync(http, new Denial(denied.Reason!, denied.Message!, denied.Limit, denied.RetryAfterMs), request.Model);
            return;
        }

        if (!options.Providers.TryGetValue(route.Provider, out var provider))
        {
            await settlement.VoidQuietlyAsync(reservation, "proxy"); // whatever it throws, the answer is this 503
            logger.LogError("Model {Model} is routed to provider {Provider}, which this gateway does not configure (Proxy:Providers)", request.Model, route.Provider);
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "provider_not_configured", $"The model '{request.Model}' is routed to a provider this gateway does not know.");
        }
        if (provider.ApiKind != api.Kind)
        {
            // The first request for the model on this gateway (or since its route changed): held, now given back as if never asked.
            await settlement.VoidQuietlyAsync(reservation, "proxy");
            throw WrongApi(api, request.Model);
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
            if (!result.UsageFinal)
            {
                // An Anthropic stream that ended before its message_delta: the provider's input (message_start's), and of the
                // output the larger of what it reported so far and what the proxy counted. Not the provider's figure: estimated.
                reported = reported with { Output = Math.Max(reported.Output, result.CountedOutput) };
                metrics.Estimated(provider, model);
            }
            var usage = reported.Bounded(out var capped);
            if (!capped) return new SettledTokens(usage.Input, usage.Output, Estimated: !result.UsageFinal, usage.Details);
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

    /// <summary>
    /// The key the caller presented: <c>Authorization: Bearer</c> (OpenAI's SDKs), or <c>x-api-key</c> (Anthropic's); a
    /// bearer token wins when both are sent. Neither ever goes to a provider: it gets its own key.
    /// </summary>
    internal static string? PresentedKey(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        return http.Request.Headers.TryGetValue(AnthropicHeaders.ApiKey, out var apiKey) && apiKey.Count == 1 ? apiKey.ToString().Trim() : null;
    }

    internal static ApiException InvalidKey() =>
        new(StatusCodes.Status401Unauthorized, "invalid_api_key", "Incorrect API key provided: give a Tollgate key (tg_…) as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");

    /// <summary>
    /// Anthropic's API refuses a request without <c>anthropic-version</c>, and so does the gateway, before anything is held: it
    /// passes the client's version on and never picks one for it (which version an answer follows is the client's choice).
    /// </summary>
    private static void RequireVersion(HttpContext http)
    {
        if (string.IsNullOrWhiteSpace(http.Request.Headers[AnthropicHeaders.Version]))
            throw ApiException.BadRequest("missing_header", $"{AnthropicHeaders.Version}: header is required (Anthropic's SDKs send it; e.g. 2023-06-01).");
    }

    /// <summary>
    /// Whether the model is routed to a provider that speaks the other API, as far as this gateway can tell before its authorize: a route
    /// it saw there (<see cref="OutageAllowance"/>) that says so, confirmed by the model's grain (a route that changed since is not refused
    /// on stale knowledge). A model never seen here is authorized, and checked against the route the authorize answers.
    /// </summary>
    private async Task<bool> RoutedElsewhereAsync(ProxyApi api, string model, ProxyOptions options)
    {
        if (allowance.RouteOf(model) is not { } seen || !options.Providers.TryGetValue(seen.Provider, out var provider) || provider.ApiKind == api.Kind) return false;
        try
        {
            var route = (await grains.Model(model).Get()).Route;
            return route is not null && options.Providers.TryGetValue(route.Provider, out var current) && current.ApiKind != api.Kind;
        }
        catch (Exception ex) when (ClusterFailures.CodeOf(ex) is not null)
        {
            return false; // the authorize decides, or the outage policy does
        }
    }

    /// <summary>A model of the other API's kind of provider: Tollgate relays each API as it is and never translates one into the other.</summary>
    private static ApiException WrongApi(ProxyApi api, string model) => ApiException.BadRequest("model_api_mismatch", api.Kind == ProviderKind.Anthropic
        ? $"The model '{model}' is served by an OpenAI-compatible provider: call it through /v1/chat/completions (or /v1/responses, /v1/completions, /v1/embeddings). Tollgate does not translate between the two APIs."
        : $"The model '{model}' is served by an Anthropic provider: call it through /v1/messages. Tollgate does not translate between the two APIs.", "model");

    /// <summary>
    /// <c>POST /v1/messages/count_tokens</c>: not metered, not charged. The key is verified and may use the model, which must be
    /// routed to an anthropic provider; the body goes to that provider's count_tokens with the model renamed, and its answer
    /// (or its own error) comes back as it came. The provider's count is exact for its model, which no local tokenizer is for Claude.
    /// </summary>
    internal async Task CountTokensAsync(HttpContext http)
    {
        var options = settings.Options;
        var key = await VerifyKeyAsync(PresentedKey(http), grains, allowance);
        if (key.Refused is { } refused)
        {
            metrics.RefusedKey(refused.Reason);
            await ProxyErrors.WriteDenialAsync(http, refused, model: "");
            return;
        }
        RequireVersion(http);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = options.MaxRequestBytes;
        using var body = await JsonBody.ReadAsync(http.Request, options.MaxRequestBytes, maxDepth: 128);
        var request = ProxyRequest.Read(ProxyApi.CountTokens, body.Root, defaultOutputCap: 0);
        if (!ModelAccess.Allows(key.Models, request.Model))
        {
            await ProxyErrors.WriteDenialAsync(http, new Denial(Denials.ModelNotAllowed, $"This API key may not use the model '{request.Model}'."), request.Model);
            return;
        }
        if ((await grains.Model(request.Model).Get()).Route is not { } route)
        {
            await ProxyErrors.WriteDenialAsync(http, new Denial(Denials.ModelNotRouted, $"The model '{request.Model}' does not exist or you do not have access to it."), request.Model);
            return;
        }
        if (!options.Providers.TryGetValue(route.Provider, out var provider))
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "provider_not_configured", $"The model '{request.Model}' is routed to a provider this gateway does not know.");
        if (provider.ApiKind != ProviderKind.Anthropic) throw WrongApi(ProxyApi.CountTokens, request.Model);
        var upstreamBody = new ArrayBufferWriter<byte>((int)Math.Clamp((http.Request.ContentLength ?? 4096) + 256, 1024, int.MaxValue));
        request.WriteUpstreamBody(body.Root, upstreamBody, route.UpstreamModel);
        body.Dispose();
        await relay.ExchangeAsync(http, request, upstreamBody.WrittenMemory, provider, options);
    }
}
