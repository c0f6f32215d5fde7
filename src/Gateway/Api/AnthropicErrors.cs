using System.Text.Json;
using Tollgate.Gateway.Proxy;

namespace Tollgate.Gateway.Api;

/// <summary>
/// Errors in Anthropic's shape, for everything answered on <c>/v1/messages</c> and below (Tollgate's refusals, bad input, the
/// cluster's and the provider's failures the gateway reports) and on <c>GET /v1/models</c> asked with <c>anthropic-version</c>:
/// <c>{"type":"error","error":{"type","message","details":{"error_code"}},"request_id"}</c>. The error's type follows its
/// status as Anthropic's do (<see cref="TypeOf"/>), so its SDKs raise their own classes; Tollgate's stable code is
/// <c>error.details.error_code</c>, where Anthropic puts its own machine-readable codes (the SDK's <c>APIError.errorCode</c>).
/// <c>request_id</c> is the request's <c>x-request-id</c> (its usage row's id), or null for a request refused before it had one.
/// </summary>
public static class AnthropicErrors
{
    /// <summary>Whether this request is answered in Anthropic's shape.</summary>
    public static bool Applies(HttpContext context)
    {
        var path = context.Request.Path;
        return path.StartsWithSegments("/v1/messages")
            || path.Equals("/v1/models", StringComparison.OrdinalIgnoreCase) && context.Request.Headers.ContainsKey(AnthropicHeaders.Version);
    }

    /// <summary>
    /// Anthropic's error type for a status. Its SDKs retry 408, 409, 429 and 5xx: a cluster that cannot answer stays a 503
    /// (<c>overloaded_error</c>, what Anthropic calls its own temporary lack of capacity), a silent provider a 504 <c>timeout_error</c>.
    /// </summary>
    public static string TypeOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status402PaymentRequired => "billing_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status413PayloadTooLarge => "request_too_large",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status503ServiceUnavailable or 529 => "overloaded_error",
        StatusCodes.Status504GatewayTimeout => "timeout_error",
        >= 500 => "api_error",
        _ => "invalid_request_error", // Anthropic: "may also be used for other 4XX status codes"
    };

    /// <summary>The body of an error with this status (in a response, or the data of a stream's <c>event: error</c>).</summary>
    public static AnthropicErrorBody Body(HttpContext context, int status, string code, string message) =>
        new("error", new AnthropicError(TypeOf(status), message, new AnthropicErrorDetails(code)), RequestId(context));

    public static string Json(HttpContext context, int status, string code, string message) =>
        JsonSerializer.Serialize(Body(context, status, code, message), GatewayJson.Default.AnthropicErrorBody);

    /// <summary>Writes the error body under the status and headers the response already has.</summary>
    public static Task WriteBodyAsync(HttpContext context, string code, string message) =>
        context.Response.WriteAsJsonAsync(Body(context, context.Response.StatusCode, code, message), GatewayJson.Default.AnthropicErrorBody, contentType: null,
            context.RequestAborted);

    private static string? RequestId(HttpContext context) =>
        context.Response.Headers.TryGetValue("x-request-id", out var id) && id.Count == 1 ? id.ToString() : null;
}

/// <summary>Anthropic's error body: <c>type</c> is always <c>error</c>.</summary>
public sealed record AnthropicErrorBody(string Type, AnthropicError Error, string? RequestId);

/// <summary>The error: Anthropic's type (by status), a human message, and Tollgate's stable code in <see cref="Details"/>.</summary>
public sealed record AnthropicError(string Type, string Message, AnthropicErrorDetails Details);

/// <summary>Where Anthropic's errors carry a machine-readable code: Tollgate's stable one (<c>insufficient_credit</c>, <c>invalid_api_key</c>, …).</summary>
public sealed record AnthropicErrorDetails(string ErrorCode);
