using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Metering;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Models;
using Tollgate.Runtime;
using Tollgate.Runtime.Transport;

namespace Tollgate.Gateway;

/// <summary>Builds the gateway process: a stateless cluster client serving the admin API.</summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var cluster = builder.Configuration.GetSection("Cluster").Get<ClusterClientOptions>() ?? new ClusterClientOptions();
        if (cluster.Silos.Count == 0) cluster.Silos.Add("http://127.0.0.1:5100");

        builder.Services.AddSingleton(cluster);
        builder.Services.AddSingleton(TollgateMessages.Create());
        builder.Services.AddSingleton<ISiloDirectory, ClusterDirectory>();
        builder.Services.AddSingleton<IGrainCaller, GrainClient>();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJson.Default);
        });

        var app = builder.Build();
        app.UseMiddleware<ErrorHandling>();
        app.MapGet("/health", () => Results.Ok(new { status = "ok" }));
        var admin = app.MapGroup("/admin").AddEndpointFilter(new BearerTokenFilter(app.Configuration["Admin:Token"], "Admin:Token"));
        admin.MapAccountAdmin();
        admin.MapModelAdmin();
        admin.MapApiKeyAdmin();
        var metering = app.MapGroup("/v1").AddEndpointFilter(new BearerTokenFilter(app.Configuration["Metering:ServiceToken"], "Metering:ServiceToken"));
        metering.MapUsage();
        app.MapFallback((HttpContext context) =>
            throw new ApiException(StatusCodes.Status404NotFound, "not_found", $"No endpoint {context.Request.Method} {context.Request.Path}."));
        return app;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(AccountSnapshot))]
[JsonSerializable(typeof(AdjustResult))]
[JsonSerializable(typeof(UsageRecorded))]
[JsonSerializable(typeof(ModelSnapshot))]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(CreatedApiKey))]
internal sealed partial class GatewayJson : JsonSerializerContext;
