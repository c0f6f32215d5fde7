using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Models;
using Tollgate.Gateway.Cluster;
using Tollgate.Grains;

namespace Tollgate.Gateway.Api;

/// <summary>
/// Turns every failure into a JSON error with a stable code: bad input is a 4xx, a cluster
/// problem a 503/504 the caller may retry, and only a bug is a 500 (logged). In OpenAI's shape, or in Anthropic's on its
/// Messages API (<see cref="AnthropicErrors"/>).
/// </summary>
public sealed class ErrorHandling(RequestDelegate next, ILogger<ErrorHandling> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (NoEndpoint.Answered(context)) await NoEndpoint.WriteAsync(context);
        }
        catch (ApiException ex)
        {
            // After a 413 the connection is not reused: Kestrel reads away what is left of the body (at most its
            // MaxRequestBodySize, see GatewayApp) and closes it.
            await WriteAsync(context, ex.Status, ex.Code, ex.Message, closeConnection: ex.Status == StatusCodes.Status413PayloadTooLarge, param: ex.Param);
        }
        catch (TollgateException ex)
        {
            var status = StatusOf(ex.Code);
            if (status >= 500) logger.LogWarning("Grain call failed: {Code} {Message}", ex.Code, ex.Message);
            if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "1";
            await WriteAsync(context, status, ex.Code, ex.Message);
        }
        catch (Exception ex) when (ClusterFailures.CodeOf(ex) is { } code)
        {
            // The cluster did not answer, after the retries it was worth (see RetryTransientFailures).
            logger.LogWarning("Grain call failed: {Code} {Error}", code, ex.Message);
            context.Response.Headers.RetryAfter = "1";
            await WriteAsync(context, StatusOf(code), code, code == ErrorCodes.Timeout
                ? "The cluster did not answer in time; the effect is unknown: retry with the same id."
                : "No silo could serve the request; retry later.");
        }
        catch (Npgsql.NpgsqlException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The gateway's own database reads (usage queries): an outage is a retryable 503, not a bug.
            logger.LogWarning("Database call failed: {Message}", ex.Message);
            context.Response.Headers.RetryAfter = "1";
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "database_unavailable", "The usage database is unavailable; retry later.");
        }
        catch (BadHttpRequestException ex)
        {
            await WriteAsync(context, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? "body_too_large" : "bad_request", ex.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Unhandled error serving {Method} {Path}", context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "internal_error", "The gateway failed to serve the request.");
        }
    }

    public static int StatusOf(string grainErrorCode) => grainErrorCode switch
    {
        AccountErrors.NotFound or ApiKeyErrors.NotFound => StatusCodes.Status404NotFound,
        AccountErrors.Exists or AccountErrors.IdempotencyConflict or AccountErrors.InsufficientCredit => StatusCodes.Status409Conflict,
        AccountErrors.InvalidAmount or AccountErrors.InvalidArgument or ModelErrors.InvalidPrice or ModelErrors.EffectiveInPast => StatusCodes.Status400BadRequest,
        AccountErrors.InvalidTrial or AccountErrors.InvalidStatus or AccountErrors.InvalidTimeZone or LimitErrors.InvalidLimits or ApiKeyErrors.InvalidModelPattern => StatusCodes.Status400BadRequest,
        Grains.Budgets.BudgetErrors.InvalidBudget or Grains.Budgets.BudgetErrors.InvalidPeriod or Grains.Grants.GrantErrors.InvalidGrant
            or Grains.Alerts.AlertErrors.InvalidAlerts => StatusCodes.Status400BadRequest,
        Grains.Grants.GrantErrors.NotFound => StatusCodes.Status404NotFound,
        Grains.Grants.GrantErrors.GrantUsed or Grains.Grants.GrantErrors.TooManyGrants => StatusCodes.Status409Conflict,
        ModelErrors.TooManyPrices or ApiKeyErrors.Exists or Grains.Budgets.BudgetErrors.TooManyBudgets => StatusCodes.Status409Conflict,
        AccountErrors.BalanceLimit => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.Timeout => StatusCodes.Status504GatewayTimeout,
        ErrorCodes.Unavailable or ErrorCodes.StorageFailed or ErrorCodes.Overloaded or ErrorCodes.StaleActivation or ErrorCodes.AnswerLost => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static async Task WriteAsync(HttpContext context, int status, string code, string message, bool closeConnection = false, string? param = null)
    {
        if (context.Response.HasStarted) return;
        // Headers set for the answer stay (rate-limit headers on a proxy error); what the failed handler wrote does not.
        var keep = context.Response.Headers.Where(header => header.Key.StartsWith("x-ratelimit-", StringComparison.OrdinalIgnoreCase)
            || header.Key.Equals("x-request-id", StringComparison.OrdinalIgnoreCase) || header.Key.Equals("request-id", StringComparison.OrdinalIgnoreCase)).ToList();
        context.Response.Clear();
        foreach (var header in keep) context.Response.Headers[header.Key] = header.Value;
        context.Response.StatusCode = status;
        if (closeConnection) context.Response.Headers.Connection = "close";
        await WriteBodyAsync(context, new ErrorDetail(message, ErrorDetail.TypeOf(status), param, code));
    }

    /// <summary>
    /// Writes the error body under the status and headers the response already has: OpenAI's shape, or Anthropic's for
    /// the Messages API (<see cref="AnthropicErrors.Applies"/>), whatever wrote the error.
    /// </summary>
    public static Task WriteBodyAsync(HttpContext context, ErrorDetail error)
    {
        if (AnthropicErrors.Applies(context)) return AnthropicErrors.WriteBodyAsync(context, error.Code, error.Message);
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return context.Response.WriteAsJsonAsync(new ErrorBody(error), json, context.RequestAborted);
    }
}
