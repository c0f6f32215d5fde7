using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>
/// A fake OpenAI-compatible upstream for tests and local runs: deterministic content and usage, and failure injection
/// through a top-level <c>"fake"</c> object in the request body (see <see cref="FakeControl"/>).
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
            var authorization = context.Request.Headers.Authorization.ToString();
            received.Add(new ReceivedRequest(context.Request.Method, context.Request.Path, body, authorization.Length > 0,
                context.Request.Headers.TryGetValue("traceparent", out var traceParent) ? traceParent.ToString() : null));
            if (options.ApiKey is { Length: > 0 } key && authorization != $"Bearer {key}")
            {
                await OpenAiError.WriteAsync(context, StatusCodes.Status401Unauthorized, "Incorrect API key provided.", null, "invalid_api_key");
                return;
            }
            context.Items[BodyKey] = body;
            await next(context);
        });

        app.MapPost("/v1/chat/completions", Generate(ChoiceCompletions.Chat.RespondAsync));
        app.MapPost("/v1/completions", Generate(ChoiceCompletions.Legacy.RespondAsync));
        app.MapPost("/v1/responses", Generate(Responses.RespondAsync));
        app.MapPost("/v1/embeddings", Generate(Embeddings.RespondAsync));
        app.MapGet("/v1/models", context => FakeJson.WriteAsync(context, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. options.ModelIds.Select(id => (JsonNode)new JsonObject
            {
                ["id"] = id, ["object"] = "model", ["created"] = 1_700_000_000, ["owned_by"] = "fake-upstream",
            })]),
        }));
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
        app.MapFallback(context => OpenAiError.WriteAsync(context, StatusCodes.Status404NotFound,
            $"Invalid URL ({context.Request.Method} {context.Request.Path})", null, "unknown_url"));
        return app;
    }

    /// <summary>The shared front of every generating endpoint: parse, slow first byte, injected status, then the answer.</summary>
    private static RequestDelegate Generate(Func<HttpContext, FakeRequest, Task> respond) => async context =>
    {
        try
        {
            var request = FakeRequest.Parse((string)context.Items[BodyKey]!);
            if (request.Fake.FirstByteDelayMs > 0) await Task.Delay(request.Fake.FirstByteDelayMs, context.RequestAborted);
            if (request.Fake.Status is { } status)
                await OpenAiError.WriteAsync(context, status, "fake upstream failure", null, $"fake_{status}");
            else
                await respond(context, request);
        }
        catch (BadFakeRequestException bad) when (!context.Response.HasStarted)
        {
            await OpenAiError.WriteAsync(context, StatusCodes.Status400BadRequest, bad.Message, bad.Param, bad.Code);
        }
    };
}
