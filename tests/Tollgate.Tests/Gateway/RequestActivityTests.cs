using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tollgate.Telemetry;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// ASP.NET Core starts an activity for every request while its hosting logger is on at any level (it gives log scopes
/// a trace id), even where no tracer listens; a gateway's grain calls then carry that trace context to the silo. An
/// untraced Tollgate process leaves that logger off, so its requests start none; an operator who sets its level gets
/// the request lines (and the activities) back. The logger's state is what ASP.NET Core checks, so it is what is
/// asserted: a listener of requests' activities, which another test's tracer may be, would start them regardless.
/// </summary>
public sealed class RequestActivityTests
{
    [Fact]
    public async Task An_untraced_process_leaves_the_request_logger_off_so_that_requests_start_no_activity()
    {
        await using var app = Build();
        Assert.False(RequestLogger(app).IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public async Task A_request_log_level_the_operator_configures_is_kept()
    {
        await using var app = Build($"--Logging:LogLevel:{TollgateTelemetry.RequestLogCategory}=Information");
        Assert.True(RequestLogger(app).IsEnabled(LogLevel.Information));
    }

    private static WebApplication Build(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddTollgateTelemetry("request-activity-test");
        return builder.Build();
    }

    private static ILogger RequestLogger(WebApplication app) =>
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(TollgateTelemetry.RequestLogCategory);
}
