using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>A request the fake refuses with 400: thrown while reading the body, answered in OpenAI's error shape.</summary>
public sealed class BadFakeRequestException(string message, string? param, string code) : Exception(message)
{
    public string? Param { get; } = param;
    public string Code { get; } = code;
}

/// <summary>Writes OpenAI-style error bodies: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class OpenAiError
{
    public static Task WriteAsync(HttpContext context, int status, string message, string? param, string? code)
    {
        var type = status >= 500 ? "server_error" : "invalid_request_error";
        var body = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code },
        };
        return FakeJson.WriteAsync(context, body, status);
    }
}
