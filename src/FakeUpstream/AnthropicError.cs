using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>
/// Anthropic's error bodies, <c>{"type":"error","error":{"type","message"},"request_id"}</c>: a response's, or the data
/// of a stream's <c>event: error</c>.
/// </summary>
internal static class AnthropicError
{
    /// <summary>The error's type by its status, as Anthropic documents them.</summary>
    public static string Type(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        < 500 => "invalid_request_error", // "may also be used for other 4XX status codes"
        _ => "api_error",
    };

    public static JsonObject Body(int status, string message) => new()
    {
        ["type"] = "error",
        ["error"] = new JsonObject { ["type"] = Type(status), ["message"] = message },
        ["request_id"] = FakeText.NewId("req_fake_"),
    };

    public static Task WriteAsync(HttpContext context, int status, string message) => FakeJson.WriteAsync(context, Body(status, message), status);
}
