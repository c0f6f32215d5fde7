using System.Diagnostics.Metrics;
using System.Net;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Metering;
using Tollgate.Grains.Models;
using Tollgate.Runtime;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// <c>POST /v1/usage</c>: records usage for gateways that do not authorize first. Charged at the
/// model's current price and idempotent by the caller's id: the same id returns the first record
/// and charges once.
/// </summary>
public static class UsageEndpoints
{
    public const string MeterName = "Tollgate.Gateway";

    /// <summary>Requests for a model with no price (denied, or charged at the configured default price), tagged with the model.</summary>
    public const string UnpricedModelRequestsName = "tollgate.unpriced_model_requests";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> UnpricedModelRequests = Meter.CreateCounter<long>(UnpricedModelRequestsName);

    public static void MapUsage(this IEndpointRouteBuilder metering) => metering.MapPost("/usage", RecordAsync);

    private static async Task<IResult> RecordAsync(HttpRequest request, IGrainCaller grains, IConfiguration configuration, ILogger<UsageRecorded> logger)
    {
        using var body = await JsonBody.ReadAsync(request);
        var id = body.RequiredString("id", 200);
        var accountId = body.OptionalString("account_id", 128);
        var apiKey = body.OptionalString("api_key", 200);
        var model = body.RequiredString("model", 200);
        var input = body.RequiredAmount("input_tokens", Price.MaxTokens, allowNegative: false);
        var output = body.RequiredAmount("output_tokens", Price.MaxTokens, allowNegative: false);
        var outcome = body.OptionalString("outcome", 40) ?? "success";
        var streamed = body.OptionalBoolean("stream") ?? false;
        var latency = body.OptionalAmount("latency_ms", int.MaxValue, allowNegative: false);
        var callerIp = body.OptionalString("caller_ip", 64);
        body.RejectUnknownFields();
        if (callerIp is not null && !IPAddress.TryParse(callerIp, out _)) throw ApiException.BadRequest("invalid_ip", "'caller_ip' is not an IP address.");
        if ((accountId is null) == (apiKey is null)) throw ApiException.BadRequest("missing_field", "Give exactly one of 'account_id' and 'api_key'.");

        var cancel = request.HttpContext.RequestAborted;
        string? keyId = null;
        if (apiKey is not null)
        {
            if (!ApiKeyFormat.TryParse(apiKey, out var parsedId, out var secretHash))
                throw new ApiException(StatusCodes.Status401Unauthorized, "invalid_api_key", "The API key is not valid.");
            var check = await grains.CallAsync(GrainTypes.ApiKeyId(parsedId), new VerifyApiKey(secretHash), cancel);
            if (check.Revoked) throw new ApiException(StatusCodes.Status403Forbidden, "key_revoked", "The API key has been revoked.");
            if (!check.Valid) throw new ApiException(StatusCodes.Status401Unauthorized, "invalid_api_key", "The API key is not valid.");
            (accountId, keyId) = (check.AccountId!, parsedId);
        }
        AccountEndpoints.ValidAccountId(accountId!);

        var price = (await grains.CallAsync(GrainTypes.ModelId(model), new GetModel(), cancel)).Current;
        long inputPrice, outputPrice;
        if (price is not null)
        {
            (inputPrice, outputPrice) = (price.InputPerMillion, price.OutputPerMillion);
        }
        else
        {
            UnpricedModelRequests.Add(1, new KeyValuePair<string, object?>("model", model));
            var fallback = configuration.GetSection("Metering:DefaultPrice").Get<DefaultPrice>();
            if (fallback is null)
            {
                logger.LogWarning("Usage for model {Model}, which has no price, was refused (set a price, or Metering:DefaultPrice)", model);
                throw new ApiException(StatusCodes.Status422UnprocessableEntity, "model_unpriced", $"Model '{model}' has no price; set one with POST /admin/models/{{model}}/prices.");
            }
            logger.LogWarning("Usage for model {Model}, which has no price, is charged at the default price", model);
            (inputPrice, outputPrice) = (fallback.InputPerMillion, fallback.OutputPerMillion);
        }

        var recorded = await grains.CallAsync(GrainTypes.AccountId(accountId!),
            new RecordUsage(id, model, keyId, callerIp, input, output, inputPrice, outputPrice, outcome, streamed, (int?)latency), cancel);
        return Results.Ok(recorded);
    }

    private sealed record DefaultPrice(long InputPerMillion, long OutputPerMillion);
}
