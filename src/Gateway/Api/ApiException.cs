namespace Tollgate.Gateway.Api;

/// <summary>A request the gateway refuses, with the HTTP status and a stable error code for the JSON body.</summary>
/// <param name="param">The request field at fault, when there is one.</param>
public sealed class ApiException(int status, string code, string message, string? param = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Param { get; } = param;

    public static ApiException BadRequest(string code, string message, string? param = null) => new(StatusCodes.Status400BadRequest, code, message, param);
}

/// <summary>
/// The error body, OpenAI's shape so its SDKs read it: <c>{"error": {"message", "type", "param", "code"}}</c>.
/// <see cref="ErrorDetail.Code"/> is Tollgate's stable code; <see cref="ErrorDetail.Type"/> the broad class OpenAI's clients switch on.
/// </summary>
public sealed record ErrorBody(ErrorDetail Error);

public sealed record ErrorDetail(string Message, string Type, string? Param, string Code)
{
    /// <summary>OpenAI's error type for a status (the proxy names a finer one for 429s).</summary>
    public static string TypeOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status409Conflict => "conflict_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
