namespace Tollgate.Gateway.Api;

/// <summary>
/// The JSON error of a request no endpoint takes: <c>404 not_found</c> for a path nothing serves, and
/// <c>405 method_not_allowed</c> for a path served with other methods (routing sets <c>Allow</c>). A browser that asks
/// for <c>/</c> (someone who opened the gateway's address) is sent to the operator console instead. Only routing's own
/// answers are rewritten: an endpoint's answers (a provider's relayed 404 among them) are left as they are.
/// </summary>
/// <remarks>
/// <see cref="ErrorHandling"/> calls it, in place of ASP.NET Core's status-code pages, which made a feature, an items
/// dictionary and a state machine for every request (about 1.7 % of a metering pair's bytes).
/// </remarks>
internal static class NoEndpoint
{
    /// <summary>What ASP.NET Core's routing names the endpoint it picks when a path is served, but not with this method.</summary>
    private const string MethodNotSupported = "405 HTTP Method Not Supported";

    /// <summary>Whether the response is routing's own bare 404 or 405, which <see cref="WriteAsync"/> explains.</summary>
    public static bool Answered(HttpContext http) =>
        http.Response is { HasStarted: false, StatusCode: StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed, ContentLength: null } response
        && string.IsNullOrEmpty(response.ContentType)
        && http.GetEndpoint() is null or { DisplayName: MethodNotSupported };

    public static Task WriteAsync(HttpContext http)
    {
        if (http.Response.StatusCode == StatusCodes.Status404NotFound && IsBrowserAtRoot(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status302Found;
            http.Response.Headers.Location = "/ops";
            return Task.CompletedTask;
        }
        var (code, message) = http.Response.StatusCode == StatusCodes.Status404NotFound
            ? ("not_found", $"No endpoint {http.Request.Method} {http.Request.Path}.")
            : ("method_not_allowed", $"{http.Request.Path} does not take {http.Request.Method}; it takes {http.Response.Headers.Allow}.");
        return ErrorHandling.WriteBodyAsync(http, new ErrorDetail(message, ErrorDetail.TypeOf(http.Response.StatusCode), null, code));
    }

    /// <summary>A page request for the root: GET or HEAD of <c>/</c> that accepts HTML (an API client asks for JSON, or for anything).</summary>
    private static bool IsBrowserAtRoot(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.Path == "/"
        && request.GetTypedHeaders().Accept.Any(accept => accept.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
