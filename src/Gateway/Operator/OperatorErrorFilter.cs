using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Cluster;
using Tollgate.Grains;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// What a page shows when its request is refused: the same status and stable code the admin API answers with
/// (bad input is a 4xx, a cluster or database outage a 503), as a small HTML page rather than JSON.
/// </summary>
internal sealed class OperatorErrorFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        if (executed.Exception is null || executed.ExceptionHandled || Describe(executed.Exception) is not { } refusal) return;
        executed.ExceptionHandled = true;
        executed.Result = Page(refusal.Status, refusal.Code, refusal.Message);
    }

    /// <summary>The status, code and message of a refusal, or null for a failure that is a bug (left to the error handling).</summary>
    public static (int Status, string Code, string Message)? Describe(Exception exception) => exception switch
    {
        ApiException refused => (refused.Status, refused.Code, refused.Message),
        TollgateException refused when ErrorHandling.StatusOf(refused.Code) < 500 => (ErrorHandling.StatusOf(refused.Code), refused.Code, refused.Message),
        _ when ClusterFailures.CodeOf(exception) is { } code => (ErrorHandling.StatusOf(code), code, "The cluster did not answer; try again."),
        Npgsql.NpgsqlException => (StatusCodes.Status503ServiceUnavailable, "database_unavailable", "The usage database is unavailable; try again."),
        _ => null,
    };

    private static ContentResult Page(int status, string code, string message)
    {
        var html = HtmlEncoder.Default;
        return new ContentResult
        {
            StatusCode = status,
            ContentType = "text/html; charset=utf-8",
            Content = $"""
                <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tollgate: {status}</title></head>
                <body style="font-family: system-ui, sans-serif; margin: 2rem"><h1>{status}: {html.Encode(code)}</h1><p>{html.Encode(message)}</p>
                <p><a href="{OperatorConsole.PathPrefix}">Back to the overview</a></p></body></html>
                """,
        };
    }
}
