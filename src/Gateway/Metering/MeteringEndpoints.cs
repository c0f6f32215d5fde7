using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Grains.Models;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The metering API a gateway fleet calls, behind the service token: <c>POST /v1/authorize</c> before
/// an upstream call, <c>POST /v1/settle</c> after it, and <c>POST /v1/usage</c> for gateways that do
/// not authorize first. All are idempotent by request id.
/// </summary>
public static class MeteringEndpoints
{
    /// <summary>
    /// How the answers are written: by the source generator's serializers with its own options. ASP.NET Core's JSON options
    /// set an encoder (relaxed escaping), and any encoder turns the generated fast path off, so every answer went through
    /// the metadata serializer (a write stack per nested object, on every call). The JSON is the same, escaped the default
    /// way (<c>\u0027</c> for <c>'</c>, non-ASCII as <c>\uXXXX</c>), which any JSON reader decodes alike.
    /// </summary>
    private static readonly GatewayJson Answers = GatewayJson.Default;

    public static void MapMetering(this IEndpointRouteBuilder metering)
    {
        var api = metering.MapGroup("").Documented(ApiDocs.MeteringTag).Secured(ApiDocs.ServiceToken);
        api.MapPost("/authorize", AuthorizeAsync)
            .WithSummary("Authorize a request before the upstream call")
            .WithDescription("Checks the key or account, the models the key may use (model_not_allowed), credit and every rate limit (account, key, model, caller IP) "
                + "and holds the worst-case cost. "
                + "A denial is a 200 with allowed=false, a stable reason and, for rate limits, retry_after_ms. Idempotent by request_id.")
            .Body<AuthorizeBody>()
            .Produces<AuthorizeResponse>()
            .ClusterErrors();
        api.MapPost("/settle", SettleAsync)
            .WithSummary("Settle a reservation with the tokens used")
            .WithDescription("Charges the actual cost at the reserved price and releases the rest of the hold. Idempotent: a repeat answers the first settlement.")
            .Body<SettleBody>()
            .Produces<RequestSettled>()
            .Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity).ClusterErrors();
        api.MapPost("/void", VoidAsync)
            .WithSummary("Void a reservation whose upstream call was never made")
            .WithDescription("Releases the hold and gives back the limit slots, as if never asked (the caller IP keeps the request counted). Idempotent: a repeat releases nothing.")
            .Body<VoidBody>()
            .Produces<VoidResult>()
            .Errors(StatusCodes.Status404NotFound).ClusterErrors();
        api.MapPost("/usage", RecordUsageAsync)
            .WithSummary("Record usage without an authorize")
            .WithDescription("For gateways that do not authorize first: charged at the model's current price (or the configured fallback price), like a late settlement. "
                + "Idempotent by id. An unknown or revoked api_key is a 401 invalid_api_key / 403 key_revoked; a model without a price a 422 model_unknown. "
                + "The key's model patterns are not checked: the usage already happened, and refusing it would lose its charge.")
            .Body<UsageBody>()
            .Produces<RequestSettled>()
            .Errors(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)
            .ClusterErrors();
    }

    private static async Task<IResult> AuthorizeAsync(AuthorizeBody body, HttpContext context, Authorizer authorizer, MeteringOptions options, TimeProvider time)
    {
        if ((body.AccountId is null) == (body.ApiKey is null)) throw ApiException.BadRequest("missing_field", "Give exactly one of 'account_id' and 'api_key'.");
        if (body.AccountId is not null) Ids.Account(body.AccountId);
        var ttl = body.TtlSeconds ?? options.DefaultTtlSeconds;
        if (ttl < 1) throw ApiException.BadRequest("invalid_field", "'ttl_seconds' must be at least 1.");
        if (!IPAddress.TryParse(body.CallerIp, out var address) || !CallerAddress.TryGetLimitKey(body.CallerIp, options.Ipv6PrefixBits, out var ipKey))
            throw ApiException.BadRequest("invalid_ip", "'caller_ip' is not an IP address.");

        // The address as .NET writes it, not as it was sent: it is stored on the usage row and in the reservation id.
        var call = new AuthorizeCall(body.RequestId, body.ApiKey, body.AccountId, address.ToString(), ipKey, body.Model,
            body.EstimatedInputTokens, body.MaxOutputTokens, (int)ttl);
        return TypedResults.Json((await authorizer.AuthorizeAsync(call, time, context.RequestAborted)).Response, Answers.AuthorizeResponse);
    }

    private static async Task<IResult> SettleAsync(SettleBody body, Settlement settlement) =>
        TypedResults.Json(await settlement.SettleAsync(ReservationToken.Decode(body.ReservationId), body.Tokens(), body.Outcome ?? "success", body.Stream ?? false,
            (int?)body.LatencyMs), Answers.RequestSettled);

    /// <summary>
    /// The upstream call was never made: releases the reservation's hold and gives back its limit slots, as if
    /// never asked (except at the caller IP, where the request stays counted). Idempotent: a repeat releases nothing.
    /// </summary>
    private static async Task<IResult> VoidAsync(VoidBody body, Settlement settlement) =>
        TypedResults.Json(await settlement.VoidAsync(ReservationToken.Decode(body.ReservationId)), Answers.VoidResult);

    /// <summary>
    /// Usage reported without an authorize: charged at the model's current price, like a late settlement. A key's model
    /// patterns are not enforced here: the upstream call already happened, and a refusal would only lose its charge.
    /// </summary>
    private static async Task<IResult> RecordUsageAsync(UsageBody body, IGrainFactory grains, MeteringOptions options, UnpricedModels unpriced)
    {
        var (accountId, apiKey, model) = (body.AccountId, body.ApiKey, body.Model);
        var callerIp = body.CallerIp is null ? null
            : IPAddress.TryParse(body.CallerIp, out var address) ? address.ToString() : throw ApiException.BadRequest("invalid_ip", "'caller_ip' is not an IP address.");
        if ((accountId is null) == (apiKey is null)) throw ApiException.BadRequest("missing_field", "Give exactly one of 'account_id' and 'api_key'.");

        string? keyId = null;
        if (apiKey is not null)
        {
            if (!ApiKeyFormat.TryParse(apiKey, out var parsedId, out var secretHash))
                throw new ApiException(StatusCodes.Status401Unauthorized, Denials.InvalidApiKey, "The API key is not valid.");
            var check = await grains.ApiKey(parsedId).Verify(new VerifyApiKey(secretHash));
            if (check.Revoked) throw new ApiException(StatusCodes.Status403Forbidden, Denials.KeyRevoked, "The API key has been revoked.");
            if (!check.Valid) throw new ApiException(StatusCodes.Status401Unauthorized, Denials.InvalidApiKey, "The API key is not valid.");
            (accountId, keyId) = (check.AccountId!, parsedId);
        }
        Ids.Account(accountId!);

        var current = (await grains.Model(model).Get()).Current;
        var price = current?.Price ?? options.FallbackPrice;
        if (current is null) unpriced.Record(model, charged: price is not null);
        if (price is null)
            throw new ApiException(StatusCodes.Status422UnprocessableEntity, Denials.ModelUnknown, $"Model '{model}' has no price; set one with POST /admin/models/{{model}}/prices.");

        var recorded = await grains.Account(accountId!)
            .Settle(new SettleRequest(body.Id, model, keyId, callerIp, body.InputTokens, body.OutputTokens, price.Value, null, body.Outcome ?? "success", body.Stream ?? false,
                (int?)body.LatencyMs, null, Details: body.Details()));
        GatewayMetrics.Amounts(recorded);
        return TypedResults.Json(recorded, Answers.RequestSettled);
    }
}

// Request bodies: each binds its handler's parameter (JsonBody reads the fields below, in this order, and refuses any other) and
// describes it in the OpenAPI document.

public sealed record AuthorizeBody : ApiDocs.IStrictJsonBody
{
    [Description("The caller's id of the request (up to 200 characters): a retry with the same id answers the same authorization.")]
    public required string RequestId { get; init; }

    [Description("The caller's Tollgate API key (tg_…); give exactly one of api_key and account_id.")]
    public string? ApiKey { get; init; }

    [Description("The account to charge; give exactly one of api_key and account_id.")]
    public string? AccountId { get; init; }

    [Description("The end caller's IP address (its own rate limits).")]
    public required string CallerIp { get; init; }

    [Description("The model, as priced with POST /admin/models/{model}/prices.")]
    public required string Model { get; init; }

    [Description("Input tokens, as estimated by the caller.")]
    public required long EstimatedInputTokens { get; init; }

    [Description("The request's output cap: the hold covers it.")]
    public required long MaxOutputTokens { get; init; }

    [Description("How long the hold lasts unless settled, 1 to 3600 seconds; Metering:DefaultTtlSeconds by default.")]
    public long? TtlSeconds { get; init; }

    public static ValueTask<AuthorizeBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new AuthorizeBody
    {
        RequestId = body.RequiredString("request_id", 200),
        ApiKey = body.OptionalIdentifier("api_key", 200),
        AccountId = body.OptionalIdentifier("account_id", 128),
        CallerIp = body.RequiredIdentifier("caller_ip", 64),
        Model = Ids.Model(body.RequiredIdentifier("model", 200)),
        EstimatedInputTokens = body.RequiredCount("estimated_input_tokens", Price.MaxTokens),
        MaxOutputTokens = body.RequiredCount("max_output_tokens", Price.MaxTokens),
        TtlSeconds = body.OptionalCount("ttl_seconds", AccountLimits.MaxReservationTtlSeconds),
    });
}

/// <summary>A settle's body: its token counts (<see cref="TokenCountsBody"/>, read first), then its own fields.</summary>
public sealed record SettleBody : TokenCountsBody, ApiDocs.IStrictJsonBody
{
    [SetsRequiredMembers]
    private SettleBody(JsonBody body) : base(body)
    {
        ReservationId = body.RequiredIdentifier("reservation_id", 4096);
        Outcome = body.OptionalString("outcome", 40);
        Stream = body.OptionalBoolean("stream");
        LatencyMs = body.OptionalCount("latency_ms", int.MaxValue);
    }

    [Description("The reservation_id authorize answered.")]
    public required string ReservationId { get; init; }

    [Description("How the upstream call ended (up to 40 characters); \"success\" by default.")]
    public string? Outcome { get; init; }

    [Description("Whether the answer was streamed; false by default.")]
    public bool? Stream { get; init; }

    [Description("The upstream call's latency in milliseconds.")]
    public long? LatencyMs { get; init; }

    public static ValueTask<SettleBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new SettleBody(body));
}

public sealed record VoidBody : ApiDocs.IStrictJsonBody
{
    [Description("The reservation_id authorize answered.")]
    public required string ReservationId { get; init; }

    public static ValueTask<VoidBody?> BindAsync(HttpContext context) =>
        JsonBody.BindAsync(context, body => new VoidBody { ReservationId = body.RequiredIdentifier("reservation_id", 4096) });
}

/// <summary>A usage report's body: its token counts (<see cref="TokenCountsBody"/>, read first), then its own fields.</summary>
public sealed record UsageBody : TokenCountsBody, ApiDocs.IStrictJsonBody
{
    [SetsRequiredMembers]
    private UsageBody(JsonBody body) : base(body)
    {
        Id = body.RequiredString("id", 200);
        AccountId = body.OptionalIdentifier("account_id", 128);
        ApiKey = body.OptionalIdentifier("api_key", 200);
        Model = Ids.Model(body.RequiredIdentifier("model", 200));
        Outcome = body.OptionalString("outcome", 40);
        Stream = body.OptionalBoolean("stream");
        LatencyMs = body.OptionalCount("latency_ms", int.MaxValue);
        CallerIp = body.OptionalIdentifier("caller_ip", 64);
    }

    [Description("The caller's id of the request (up to 200 characters): a retry with the same id records nothing more.")]
    public required string Id { get; init; }

    [Description("The account to charge; give exactly one of account_id and api_key.")]
    public string? AccountId { get; init; }

    [Description("The caller's Tollgate API key (tg_…); give exactly one of account_id and api_key.")]
    public string? ApiKey { get; init; }

    [Description("The model.")]
    public required string Model { get; init; }

    [Description("How the upstream call ended (up to 40 characters); \"success\" by default.")]
    public string? Outcome { get; init; }

    [Description("Whether the answer was streamed; false by default.")]
    public bool? Stream { get; init; }

    [Description("The upstream call's latency in milliseconds.")]
    public long? LatencyMs { get; init; }

    [Description("The end caller's IP address, stored on the usage row.")]
    public string? CallerIp { get; init; }

    public static ValueTask<UsageBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new UsageBody(body));
}
