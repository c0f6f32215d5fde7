using System.Net;
using System.Threading.RateLimiting;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// Console sign-in attempts per client IP and minute (<c>Operator:SignInAttemptsPerMinute</c>). A singleton the container
/// disposes with the host: ASP.NET Core's rate-limiting middleware never disposes the limiter it makes, and that
/// limiter's timer keeps a stopped host reachable for the life of the process (dotnet/aspnetcore#69259), which cost
/// the test suite, whose process hosts hundreds of gateways, its memory.
/// </summary>
public sealed class SignInAttempts(int perMinute) : IAsyncDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(ip =>
        RateLimitPartition.GetFixedWindowLimiter(ip, _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = Window, QueueLimit = 0 }));

    /// <summary>
    /// Counts a sign-in attempt (a POST of the form, refused or not: one without its antiforgery token too) and answers
    /// <c>429</c> once the caller made its attempts of this minute. Showing the form is free.
    /// </summary>
    public static Task Limit(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Path.Equals(OperatorAuthentication.SignInPath, StringComparison.OrdinalIgnoreCase))
            return next(context);
        var attempts = context.RequestServices.GetRequiredService<SignInAttempts>();
        if (attempts.TryAttempt(context.Connection.RemoteIpAddress)) return next(context);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = ((int)Window.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("Too many sign-in attempts from this address: wait a minute and try again.");
    }

    private bool TryAttempt(IPAddress? caller)
    {
        using var lease = _limiter.AttemptAcquire(caller?.ToString() ?? "unknown");
        return lease.IsAcquired;
    }

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();
}
