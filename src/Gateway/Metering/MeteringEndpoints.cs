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
    public static void MapMetering(this IEndpointRouteBuilder metering)
    {
        metering.MapPost("/authorize", AuthorizeAsync);
        metering.MapPost("/settle", SettleAsync);
        metering.MapPost("/void", VoidAsync);
        metering.MapPost("/usage", RecordUsageAsync);
    }

    private static async Task<IResult> AuthorizeAsync(HttpRequest request, Authorizer authorizer, MeteringOptions options, TimeProvider time)
    {
        using var body = await JsonBody.ReadAsync(request);
        var requestId = body.RequiredString("request_id", 200);
        var apiKey = body.OptionalIdentifier("api_key", 200);
        var accountId = body.OptionalIdentifier("account_id", 128);
        var callerIp = body.RequiredIdentifier("caller_ip", 64);
        var model = ModelEndpoints.ValidModel(body.RequiredIdentifier("model", 200));
        var input = body.RequiredCount("estimated_input_tokens", Price.MaxTokens);
        var output = body.RequiredCount("max_output_tokens", Price.MaxTokens);
        var ttl = body.OptionalCount("ttl_seconds", AccountLimits.MaxReservationTtlSeconds) ?? options.DefaultTtlSeconds;
        body.RejectUnknownFields();
        if ((accountId is null) == (apiKey is null)) throw ApiException.BadRequest("missing_field", "Give exactly one of 'account_id' and 'api_key'.");
        if (accountId is not null) AccountEndpoints.ValidAccountId(accountId);
        if (ttl < 1) throw ApiException.BadRequest("invalid_field", "'ttl_seconds' must be at least 1.");
        if (!IPAddress.TryParse(callerIp, out var address) || !CallerAddress.TryGetLimitKey(callerIp, options.Ipv6PrefixBits, out var ipKey))
            throw ApiException.BadRequest("invalid_ip", "'caller_ip' is not an IP address.");

        // The address as .NET writes it, not as it was sent: it is stored on the usage row and in the reservation id.
        var call = new AuthorizeCall(requestId, apiKey, accountId, address.ToString(), ipKey, model, input, output, (int)ttl);
        return Results.Ok((await authorizer.AuthorizeAsync(call, time, request.HttpContext.RequestAborted)).Response);
    }

    private static async Task<IResult> SettleAsync(HttpRequest request, Settlement settlement)
    {
        using var body = await JsonBody.ReadAsync(request);
        var token = ReservationToken.Decode(body.RequiredIdentifier("reservation_id", 4096));
        var input = body.RequiredCount("input_tokens", Price.MaxTokens);
        var output = body.RequiredCount("output_tokens", Price.MaxTokens);
        var outcome = body.OptionalString("outcome", 40) ?? "success";
        var streamed = body.OptionalBoolean("stream") ?? false;
        var latency = body.OptionalCount("latency_ms", int.MaxValue);
        body.RejectUnknownFields();

        return Results.Ok(await settlement.SettleAsync(token, new SettledTokens(input, output, Estimated: false), outcome, streamed, (int?)latency));
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
        return Results.Ok(await settlement.VoidAsync(token));
    }

    /// <summary>Usage reported without an authorize: charged at the model's current price, like a late settlement.</summary>
    private static async Task<IResult> RecordUsageAsync(HttpRequest request, IGrainFactory grains, MeteringOptions options, UnpricedModels unpriced)
    {
        using var body = await JsonBody.ReadAsync(request);
        var id = body.RequiredString("id", 200);
        var accountId = body.OptionalIdentifier("account_id", 128);
        var apiKey = body.OptionalIdentifier("api_key", 200);
        var model = ModelEndpoints.ValidModel(body.RequiredIdentifier("model", 200));
        var input = body.RequiredCount("input_tokens", Price.MaxTokens);
        var output = body.RequiredCount("output_tokens", Price.MaxTokens);
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
        AccountEndpoints.ValidAccountId(accountId!);

        var current = (await grains.Model(model).Get()).Current;
        var price = current is null ? options.FallbackPrice : new Price(current.InputPerMillion, current.OutputPerMillion);
        if (current is null) unpriced.Record(model, charged: price is not null);
        if (price is null)
            throw new ApiException(StatusCodes.Status422UnprocessableEntity, Denials.ModelUnknown, $"Model '{model}' has no price; set one with POST /admin/models/{{model}}/prices.");

        var recorded = await grains.Account(accountId!)
            .Settle(new SettleRequest(id, model, keyId, callerIp, input, output, price.Value, null, outcome, streamed, (int?)latency, null));
        GatewayMetrics.Amounts(recorded);
        return Results.Ok(recorded);
    }
}
