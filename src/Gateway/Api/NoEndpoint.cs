using Microsoft.AspNetCore.Diagnostics;

namespace Tollgate.Gateway.Api;

/// <summary>
/// The JSON error of a request no endpoint takes: <c>404 not_found</c> for a path nothing serves, and
/// <c>405 method_not_allowed</c> for a path served with other methods (routing sets <c>Allow</c>). A browser that asks
/// for <c>/</c> (someone who opened the gateway's address) is sent to the operator console instead.
/// </summary>
internal static class NoEndpoint
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (http.Response.StatusCode == StatusCodes.Status404NotFound && IsBrowserAtRoot(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status302Found;
            http.Response.Headers.Location = "/ops";
            return Task.CompletedTask;
        }
        var (code, message) = http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => ("not_found", $"No endpoint {http.Request.Method} {http.Request.Path}."),
            StatusCodes.Status405MethodNotAllowed => ("method_not_allowed",
                $"{http.Request.Path} does not take {http.Request.Method}; it takes {http.Response.Headers.Allow}."),
            _ => ((string?)null, ""),
        };
        return code is null ? Task.CompletedTask : ErrorHandling.WriteBodyAsync(http, new ErrorDetail(message, ErrorDetail.TypeOf(http.Response.StatusCode), null, code));
    }

    /// <summary>A page request for the root: GET or HEAD of <c>/</c> that accepts HTML (an API client asks for JSON, or for anything).</summary>
    private static bool IsBrowserAtRoot(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.Path == "/"
        && request.GetTypedHeaders().Accept.Any(accept => accept.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
