using System.ComponentModel;
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

    private static async Task<IResult> AuthorizeAsync(HttpRequest request, Authorizer authorizer, MeteringOptions options, TimeProvider time)
    {
        using var body = await JsonBody.ReadAsync(request);
        var requestId = body.RequiredString("request_id", 200);
        var apiKey = body.OptionalIdentifier("api_key", 200);
        var accountId = body.OptionalIdentifier("account_id", 128);
        var callerIp = body.RequiredIdentifier("caller_ip", 64);
        var model = Ids.Model(body.RequiredIdentifier("model", 200));
        var input = body.RequiredCount("estimated_input_tokens", Price.MaxTokens);
        var output = body.RequiredCount("max_output_tokens", Price.MaxTokens);
        var ttl = body.OptionalCount("ttl_seconds", AccountLimits.MaxReservationTtlSeconds) ?? options.DefaultTtlSeconds;
        body.RejectUnknownFields();
        if ((accountId is null) == (apiKey is null)) throw ApiException.BadRequest("missing_field", "Give exactly one of 'account_id' and 'api_key'.");
        if (accountId is not null) Ids.Account(accountId);
        if (ttl < 1) throw ApiException.BadRequest("invalid_field", "'ttl_seconds' must be at least 1.");
        if (!IPAddress.TryParse(callerIp, out var address) || !CallerAddress.TryGetLimitKey(callerIp, options.Ipv6PrefixBits, out var ipKey))
            throw ApiException.BadRequest("invalid_ip", "'caller_ip' is not an IP address.");

        // The address as .NET writes it, not as it was sent: it is stored on the usage row and in the reservation id.
        var call = new AuthorizeCall(requestId, apiKey, accountId, address.ToString(), ipKey, model, input, output, (int)ttl);
        return TypedResults.Json((await authorizer.AuthorizeAsync(call, time, request.HttpContext.RequestAborted)).Response, Answers.AuthorizeResponse);
    }

    private static async Task<IResult> SettleAsync(HttpRequest request, Settlement settlement)
    {
        using var body = await JsonBody.ReadAsync(request);
        var token = ReservationToken.Decode(body.RequiredIdentifier("reservation_id", 4096));
        var input = body.RequiredCount("input_tokens", Price.MaxTokens);
        var output = body.RequiredCount("output_tokens", Price.MaxTokens);
        var details = TokenDetailFields.Read(body, input, output);
        var outcome = body.OptionalString("outcome", 40) ?? "success";
        var streamed = body.OptionalBoolean("stream") ?? false;
        var latency = body.OptionalCount("latency_ms", int.MaxValue);
        body.RejectUnknownFields();

        return TypedResults.Json(await settlement.SettleAsync(token, new SettledTokens(input, output, Estimated: false, details), outcome, streamed, (int?)latency), Answers.RequestSettled);
    }

    /// <summary>
    /// The upstream call was never made: releases the reservation's hold and gives back its limit slots, as if
    /// never asked (except at the caller IP, where the request stays counted). Idempotent: a repeat releases nothing.
    /// </summary>
    private static async Task<IResult> VoidAsync(HttpRequest request, Settlement settlement)
    {
        using var body = await JsonBody.ReadAsync(request);
        var token = ReservationToken.Decode(body.RequiredIdentifier("reservation_id", 4096));
        body.RejectUnknownFields();
        return TypedResults.Json(await settlement.VoidAsync(token), Answers.VoidResult);
    }

    /// <summary>
    /// Usage reported without an authorize: charged at the model's current price, like a late settlement. A key's model
    /// patterns are not enforced here: the upstream call already happened, and a refusal would only lose its charge.
    /// </summary>
    private static async Task<IResult> RecordUsageAsync(HttpRequest request, IGrainFactory grains, MeteringOptions options, UnpricedModels unpriced)
    {
        using var body = await JsonBody.ReadAsync(request);
        var id = body.RequiredString("id", 200);
        var accountId = body.OptionalIdentifier("account_id", 128);
        var apiKey = body.OptionalIdentifier("api_key", 200);
        var model = Ids.Model(body.RequiredIdentifier("model", 200));
        var input = body.RequiredCount("input_tokens", Price.MaxTokens);
        var output = body.RequiredCount("output_tokens", Price.MaxTokens);
        var details = TokenDetailFields.Read(body, input, output);
        var outcome = body.OptionalString("outcome", 40) ?? "success";
        var streamed = body.OptionalBoolean("stream") ?? false;
        var latency = body.OptionalCount("latency_ms", int.MaxValue);
        var callerIp = body.OptionalIdentifier("caller_ip", 64);
        body.RejectUnknownFields();
        if (callerIp is not null) callerIp = IPAddress.TryParse(callerIp, out var address) ? address.ToString() : throw ApiException.BadRequest("invalid_ip", "'caller_ip' is not an IP address.");
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
            .Settle(new SettleRequest(id, model, keyId, callerIp, input, output, price.Value, null, outcome, streamed, (int?)latency, null, Details: details));
        GatewayMetrics.Amounts(recorded);
        return TypedResults.Json(recorded, Answers.RequestSettled);
    }
}

// Request bodies, for the OpenAPI document only: the handlers above read these fields (JsonBody) and refuse any other.

public sealed class AuthorizeBody : ApiDocs.IStrictJsonBody
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
}

public sealed class SettleBody : TokenCountsBody, ApiDocs.IStrictJsonBody
{
    [Description("The reservation_id authorize answered.")]
    public required string ReservationId { get; init; }

    [Description("How the upstream call ended (up to 40 characters); \"success\" by default.")]
    public string? Outcome { get; init; }

    [Description("Whether the answer was streamed; false by default.")]
    public bool? Stream { get; init; }

    [Description("The upstream call's latency in milliseconds.")]
    public long? LatencyMs { get; init; }
}

public sealed class VoidBody : ApiDocs.IStrictJsonBody
{
    [Description("The reservation_id authorize answered.")]
    public required string ReservationId { get; init; }
}

public sealed class UsageBody : TokenCountsBody, ApiDocs.IStrictJsonBody
{
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
}
