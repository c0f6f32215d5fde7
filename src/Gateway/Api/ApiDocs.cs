using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Tollgate.Gateway.Api;

/// <summary>
/// The gateway's OpenAPI document, <c>GET /openapi/v1.json</c>, built by <c>Microsoft.AspNetCore.OpenApi</c> from
/// the endpoints' metadata: each endpoint says its tag, summary, security scheme, request body, query parameters and
/// responses where it is mapped. A request body is one type, the handler's parameter, which binds itself through
/// <see cref="JsonBody"/> and is described here by its properties. The document describes the API, not data: it is
/// served without a token.
/// </summary>
public static class ApiDocs
{
    public const string DocumentName = "v1";

    /// <summary>The route of the document; <c>{documentName}</c> is <see cref="DocumentName"/>.</summary>
    public const string DocumentRoute = "/openapi/{documentName}.json";

    public const string AdminTag = "admin";
    public const string MeteringTag = "metering";
    public const string UsageTag = "usage";
    public const string ProxyTag = "proxy";
    public const string HealthTag = "health";

    /// <summary>Security schemes: all are <c>Authorization: Bearer …</c>, with different secrets.</summary>
    public const string AdminToken = "admin_token";
    public const string ServiceToken = "service_token";
    public const string ApiKey = "api_key";

    private static readonly string[] Json = ["application/json"];

    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services)
    {
        // The bodies bind through JsonBody, which refuses a number sent as a string; the serializer's web default
        // (AllowReadingFromString) would make every integer of the document "integer or string". Nothing in the
        // gateway deserializes with these options, so Strict changes only the description.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Tollgate gateway",
                    Version = DocumentName,
                    Description = "Rate limits and credits for LLM gateway fleets: the admin API, the metering API, usage queries, "
                        + "the OpenAI-compatible proxy, Anthropic's Messages API and health. Amounts are integers of nano-USD (1 USD = 1,000,000,000). "
                        + "Every error answers the error body {\"error\": {\"message\", \"type\", \"param\", \"code\"}}, code being Tollgate's stable code; "
                        + "on /v1/messages Anthropic's, {\"type\": \"error\", \"error\": {\"type\", \"message\", \"details\": {\"error_code\"}}, \"request_id\"}.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    [AdminToken] = Bearer("The admin token (setting Admin:Token). With none configured, the admin and usage APIs refuse every request."),
                    [ServiceToken] = Bearer("The metering service token of the gateway fleet (setting Metering:ServiceToken)."),
                    [ApiKey] = Bearer("A Tollgate API key (tg_…), created with POST /admin/accounts/{accountId}/keys. The proxy also takes it as x-api-key, as Anthropic's SDKs send it.", "tg_…"),
                };
                document.Tags = new HashSet<OpenApiTag>
                {
                    new() { Name = AdminTag, Description = "Accounts, credits, trials, API keys, models, prices, routes and rate limits (admin token)." },
                    new() { Name = MeteringTag, Description = "Authorize before an upstream call, settle or void after it, or report usage (service token)." },
                    new() { Name = UsageTag, Description = "Usage totals and groups over a time window (admin token)." },
                    new() { Name = ProxyTag, Description = "The OpenAI-compatible proxy and Anthropic's Messages API, metered, authenticated by a Tollgate API key." },
                    new() { Name = HealthTag, Description = "Liveness and readiness, without a token." },
                };
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                var type = context.JsonTypeInfo.Type;
                if (typeof(IStrictJsonBody).IsAssignableFrom(type)) schema.AdditionalPropertiesAllowed = false;
                else if (typeof(Proxy.ProxiedBody).IsAssignableFrom(type))
                    schema.AdditionalProperties = new OpenApiSchema { Description = "Any other field of the API's request (OpenAI's, or Anthropic's), passed to the provider unchanged." };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                foreach (var secured in context.Description.ActionDescriptor.EndpointMetadata.OfType<SecuredBy>())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(secured.Scheme, context.Document)] = [] });
                }
                return Task.CompletedTask;
            });
        });
    }

    /// <summary>Serves the document, anonymously (it holds no data).</summary>
    public static IEndpointConventionBuilder MapGatewayOpenApi(this IEndpointRouteBuilder app) => app.MapOpenApi(DocumentRoute);

    private static OpenApiSecurityScheme Bearer(string description, string? format = null) =>
        new() { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = format, Description = description };

    /// <summary>The endpoints of one tag; every endpoint may answer 500 <c>internal_error</c> (a bug, logged).</summary>
    public static TBuilder Documented<TBuilder>(this TBuilder builder, string tag) where TBuilder : IEndpointConventionBuilder =>
        builder.WithTags(tag).Errors(StatusCodes.Status500InternalServerError);

    /// <summary>
    /// Requires a bearer secret of <paramref name="scheme"/>, so may answer 401: enforced by <see cref="BearerTokenCheck"/> for the admin
    /// and service tokens, by the proxy for API keys.
    /// </summary>
    public static TBuilder Secured<TBuilder>(this TBuilder builder, string scheme) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SecuredBy(scheme)).Errors(StatusCodes.Status401Unauthorized);

    /// <summary>The JSON body the handler reads, described by <typeparamref name="T"/>; a malformed one is a 400, a too large one a 413.</summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder, bool optional = false) where T : notnull =>
        builder.Accepts<T>(optional, Json[0]).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge);

    /// <summary>Error statuses the endpoint can answer, each with the error body.</summary>
    public static TBuilder Errors<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses) builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorBody), Json));
        return builder;
    }

    /// <summary>Error statuses an endpoint of Anthropic's Messages API can answer, each with Anthropic's error body (<see cref="AnthropicErrors"/>).</summary>
    public static TBuilder ErrorsInAnthropicShape<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses) builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(AnthropicErrorBody), Json));
        return builder;
    }

    /// <summary>A grain call that the cluster may fail to serve: 503 (retry later) or 504 (effect unknown, retry with the same id).</summary>
    public static TBuilder ClusterErrors<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Errors(StatusCodes.Status503ServiceUnavailable, StatusCodes.Status504GatewayTimeout);

    /// <summary>A query parameter the handler reads from the query string by hand.</summary>
    public static RouteHandlerBuilder Query(this RouteHandlerBuilder builder, string name, JsonSchemaType type, string description) =>
        builder.Parameter(ParameterLocation.Query, name, type, description);

    /// <summary>A request header the handler reads by hand.</summary>
    public static RouteHandlerBuilder Header(this RouteHandlerBuilder builder, string name, string description) =>
        builder.Parameter(ParameterLocation.Header, name, JsonSchemaType.String, description);

    private static RouteHandlerBuilder Parameter(this RouteHandlerBuilder builder, ParameterLocation location, string name, JsonSchemaType type, string description) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = location,
                Description = description,
                Schema = new OpenApiSchema { Type = type, Format = type == JsonSchemaType.Integer ? "int64" : null },
            });
            return Task.CompletedTask;
        });

    /// <summary>
    /// Marks a request body type that binds its handler's parameter through <see cref="JsonBody.BindAsync"/>, which refuses
    /// any field it does not read: its schema says <c>additionalProperties: false</c>.
    /// </summary>
    public interface IStrictJsonBody;

    /// <summary>Endpoint metadata: the security scheme whose secret the endpoint requires.</summary>
    public sealed record SecuredBy(string Scheme);
}
