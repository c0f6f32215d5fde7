using System.Text;
using System.Text.Json;

namespace Tollgate.FakeUpstream;

/// <summary>
/// A fake upstream for tests and local runs, speaking OpenAI's API and Anthropic's Messages API (see <see cref="Messages"/>):
/// deterministic content and usage, and failure injection through a top-level <c>"fake"</c> object in the request body
/// (see <see cref="FakeControl"/>).
/// </summary>
public static class FakeUpstreamApp
{
    public const string DefaultUrl = "http://127.0.0.1:8090";
    private const string BodyKey = "fake.body";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);
        // fake.cut_after ends connections through this (see ConnectionCut).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Use(ConnectionCut.Middleware)));
        var options = builder.Configuration.GetSection("FakeUpstream").Get<FakeUpstreamOptions>() ?? new FakeUpstreamOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ReceivedRequests>();
        builder.Services.AddSingleton<FakeGates>();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

        var app = builder.Build();
        var received = app.Services.GetRequiredService<ReceivedRequests>();
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/v1"))
            {
                await next(context);
                return;
            }
            // Recorded before the key check, so a test can see that a proxy forwarded a request without its key.
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers;
            var authorization = headers.Authorization.ToString();
            received.Add(new ReceivedRequest(context.Request.Method, context.Request.Path, body, authorization.Length > 0,
                Header(headers, "traceparent"), Header(headers, Messages.VersionHeader), Header(headers, Messages.BetaHeader),
                headers.ContainsKey(Messages.ApiKeyHeader)));
            // Each API's own scheme: Anthropic's requests carry the key in x-api-key, OpenAI's as a bearer token.
            var anthropic = Messages.Speaks(context.Request);
            var presented = anthropic ? headers[Messages.ApiKeyHeader].ToString() : authorization;
            if (options.ApiKey is { Length: > 0 } key && presented != (anthropic ? key : $"Bearer {key}"))
            {
                await (anthropic
                    ? AnthropicError.WriteAsync(context, StatusCodes.Status401Unauthorized, "invalid x-api-key")
                    : OpenAiError.WriteAsync(context, StatusCodes.Status401Unauthorized, "Incorrect API key provided.", null, "invalid_api_key"));
                return;
            }
            context.Items[BodyKey] = body;
            await next(context);
        });

        app.MapPost("/v1/chat/completions", Generate(ChoiceCompletions.Chat.RespondAsync));
        app.MapPost("/v1/completions", Generate(ChoiceCompletions.Legacy.RespondAsync));
        app.MapPost("/v1/responses", Generate(Responses.RespondAsync));
        app.MapPost("/v1/embeddings", Generate(Embeddings.RespondAsync));
        app.MapPost("/v1/messages", Generate(Messages.RespondAsync, anthropic: true, failsInsideStream: Messages.FailsInsideStream));
        app.MapPost("/v1/messages/count_tokens", Generate(Messages.CountTokensAsync, anthropic: true));
        app.MapGet("/v1/models", context => Models.WriteAsync(context, options.ModelIds));
        app.MapGet("/fake/received", () => Results.Json(received.Snapshot()));
        app.MapDelete("/fake/received", () =>
        {
            received.Clear();
            return Results.NoContent();
        });
        app.MapPost("/fake/gates/{name}", async (HttpContext context, string name, FakeGates gates) =>
        {
            try
            {
                gates.Open(name);
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            }
            catch (BadFakeRequestException full)
            {
                await OpenAiError.WriteAsync(context, StatusCodes.Status400BadRequest, full.Message, full.Param, full.Code);
            }
        });
        app.MapFallback(context => Messages.Speaks(context.Request)
            ? AnthropicError.WriteAsync(context, StatusCodes.Status404NotFound, $"Not found: {context.Request.Method} {context.Request.Path}")
            : OpenAiError.WriteAsync(context, StatusCodes.Status404NotFound, $"Invalid URL ({context.Request.Method} {context.Request.Path})", null, "unknown_url"));
        return app;
    }

    /// <summary>
    /// The shared front of every generating endpoint: Anthropic's version header, parse, slow first byte, injected status
    /// (unless the answer fails inside its stream instead), then the answer; errors in the endpoint's API's shape.
    /// </summary>
    private static RequestDelegate Generate(Func<HttpContext, FakeRequest, Task> respond, bool anthropic = false,
        Func<FakeRequest, bool>? failsInsideStream = null) => async context =>
    {
        Task ErrorAsync(int status, string message, string? param, string? code) => anthropic
            ? AnthropicError.WriteAsync(context, status, message)
            : OpenAiError.WriteAsync(context, status, message, param, code);
        try
        {
            if (anthropic && string.IsNullOrEmpty(context.Request.Headers[Messages.VersionHeader]))
                throw new BadFakeRequestException($"{Messages.VersionHeader}: header is required", null, "missing_required_header");
            var request = FakeRequest.Parse((string)context.Items[BodyKey]!);
            if (request.Fake.FirstByteDelayMs > 0) await Task.Delay(request.Fake.FirstByteDelayMs, context.RequestAborted);
            if (request.Fake.Status is { } status && failsInsideStream?.Invoke(request) != true)
                await ErrorAsync(status, "fake upstream failure", null, $"fake_{status}");
            else
                await respond(context, request);
        }
        catch (BadFakeRequestException bad) when (!context.Response.HasStarted)
        {
            await ErrorAsync(StatusCodes.Status400BadRequest, bad.Message, bad.Param, bad.Code);
        }
    };

    private static string? Header(IHeaderDictionary headers, string name) => headers.TryGetValue(name, out var value) ? value.ToString() : null;
}
