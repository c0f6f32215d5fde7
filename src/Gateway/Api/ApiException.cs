namespace Tollgate.Gateway.Api;

/// <summary>A request the gateway refuses, with the HTTP status and a stable error code for the JSON body.</summary>
public sealed class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    public static ApiException BadRequest(string code, string message) => new(StatusCodes.Status400BadRequest, code, message);
}

/// <summary>The error body: <c>{"error": {"code": "...", "message": "..."}}</c>.</summary>
public sealed record ErrorBody(ErrorDetail Error);

public sealed record ErrorDetail(string Code, string Message);
