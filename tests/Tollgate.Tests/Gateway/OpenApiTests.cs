using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// The gateway's OpenAPI document (<c>GET /openapi/v1.json</c>, no token): every mapped endpoint is in it, each with
/// a tag, a summary, its security scheme (as the gateway enforces it), its request body and its error responses.
/// </summary>
public sealed partial class OpenApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string DocumentPath = "/openapi/v1.json";

    /// <summary>
    /// Endpoints deliberately left out of the document, with why. Each must still be mapped (a stale entry fails).
    /// </summary>
    private static readonly Dictionary<string, string> Excluded = new()
    {
        ["GET /openapi/{documentName}.json"] = "the document itself",
        ["* /metrics"] = "Prometheus' scrape endpoint: its text format is Prometheus', not this API's (docs/operations.md: Metrics and tracing)",
    };

    /// <summary>Whole trees left out: user interfaces for a signed-in browser, not the API (their own tests cover them).</summary>
    private static readonly Dictionary<string, string> ExcludedTrees = new()
    {
        ["/ops"] = "the operator console's pages (Dashboard tests)",
        ["/dashboard"] = "the Orleans dashboard's UI and its data calls (Dashboard tests)",
    };

    private static readonly string[] Tags = ["admin", "metering", "usage", "proxy", "health"];

    [Fact]
    public async Task Every_mapped_endpoint_is_in_the_document_and_nothing_else_is()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        var document = await DocumentAsync(cluster);

        var mapped = MappedEndpoints(cluster.GatewayServices());
        Assert.Contains("GET /health", mapped); // the enumeration sees the gateway's endpoints
        foreach (var excluded in Excluded.Keys) Assert.Contains(excluded, mapped);
        var documented = Operations(document).Select(operation => operation.Key).ToHashSet();

        var missing = mapped.Where(endpoint => !Excluded.ContainsKey(endpoint) && !documented.Contains(endpoint)).Order().ToList();
        Assert.True(missing.Count == 0, "Mapped but not in the OpenAPI document (document them, or exclude them here with a reason): " + string.Join(", ", missing));
        var ghosts = documented.Where(operation => !mapped.Contains(operation)).Order().ToList();
        Assert.True(ghosts.Count == 0, "In the document but not mapped: " + string.Join(", ", ghosts));

        foreach (var (name, operation) in Operations(document))
        {
            // An endpoint mapped without its documentation is still listed (minimal APIs are), but bare: it fails here.
            foreach (var field in new[] { "summary", "description" })
                Assert.True(operation.TryGetProperty(field, out var text) && !string.IsNullOrWhiteSpace(text.GetString()), $"{name} has no {field}");
            var tag = operation.TryGetProperty("tags", out var tags) && tags.GetArrayLength() == 1 ? tags[0].GetString() : null;
            Assert.True(tag is not null && Tags.Contains(tag), $"{name} is not tagged with one of {string.Join(", ", Tags)}");
            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            Assert.Contains(responses, response => response.Name.StartsWith('2'));
            Assert.Contains(responses, response => response.Name == "500");
            foreach (var response in responses.Where(response => response.Name[0] is '4' or '5'))
            {
                // Readiness answers its own body when not ready; Anthropic's Messages API Anthropic's error body; every other error is the error body.
                var expected = name == "GET /health/ready" && response.Name == "503" ? "Readiness"
                    : name.Contains(" /v1/messages", StringComparison.Ordinal) ? "AnthropicErrorBody"
                    : "ErrorBody";
                Assert.True(expected == SchemaName(response.Value), $"{name} {response.Name} is not described by {expected}");
            }
            if (tag != "health")
                Assert.Contains(responses, response => response.Name == "401");
        }
    }

    [Fact]
    public async Task Every_operation_is_refused_without_its_own_secret_and_only_then()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        var document = await DocumentAsync(cluster);
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        foreach (var scheme in new[] { "admin_token", "service_token", "api_key" })
        {
            Assert.Equal("http", schemes.GetProperty(scheme).GetProperty("type").GetString());
            Assert.Equal("bearer", schemes.GetProperty(scheme).GetProperty("scheme").GetString());
        }
        // The secrets of the other schemes, as a gateway would be sent them by mistake.
        var secrets = new Dictionary<string, string?>
        {
            ["admin_token"] = TestCluster.AdminToken,
            ["service_token"] = TestCluster.ServiceToken,
            ["api_key"] = "tg_0123456789abcdef_notakey",
        };

        foreach (var (name, operation) in Operations(document))
        {
            var scheme = SecurityScheme(operation);
            var expectedScheme = name switch
            {
                _ when name.StartsWith("GET /health", StringComparison.Ordinal) => null,
                _ when name.Contains(" /admin/", StringComparison.Ordinal) || name.Contains(" /api/", StringComparison.Ordinal) => "admin_token",
                "POST /v1/authorize" or "POST /v1/settle" or "POST /v1/void" or "POST /v1/usage" => "service_token",
                _ => "api_key",
            };
            Assert.True(expectedScheme == scheme, $"{name} documents security {scheme ?? "none"}, expected {expectedScheme ?? "none"}");

            var (method, path) = (name[..name.IndexOf(' ')], name[(name.IndexOf(' ') + 1)..]);
            var url = PathParameter().Replace(path, "x");
            foreach (var (other, secret) in secrets.Where(s => s.Key != scheme).Append(new("none", null)))
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), url);
                if (secret is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                // A body that reads well, so the proxy gets as far as checking the key (it reads the body first).
                if (method is "POST" or "PUT") request.Content = Http.Json("""{"model":"m1"}""");
                using var response = await cluster.Gateway.SendAsync(request);
                if (scheme is null)
                    Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
                else
                    Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name} with {other}'s secret answered {(int)response.StatusCode}, not 401");
            }
        }
    }

    [Fact]
    public async Task Bodies_security_and_errors_are_described_in_snake_case()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        var document = await DocumentAsync(cluster);
        var operations = Operations(document).ToDictionary(operation => operation.Key, operation => operation.Value);

        // The proxy's chat completions: a Tollgate API key, and the fields the proxy reads (others pass through).
        var chat = operations["POST /v1/chat/completions"];
        Assert.Equal("api_key", SecurityScheme(chat));
        var chatBody = RequestSchema(document, chat);
        Assert.Equal(["model"], Required(chatBody));
        foreach (var field in new[] { "model", "messages", "stream", "stream_options", "max_completion_tokens", "max_tokens", "n" })
            Assert.True(chatBody.GetProperty("properties").TryGetProperty(field, out _), $"chat completions does not document '{field}'");
        Assert.Equal(JsonValueKind.Object, chatBody.GetProperty("additionalProperties").ValueKind); // other fields pass through
        Assert.True(chat.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));

        // Anthropic's Messages API: max_tokens required (the hold is sized from it), its headers, and errors in Anthropic's shape.
        var messages = operations["POST /v1/messages"];
        Assert.Equal("api_key", SecurityScheme(messages));
        var messagesBody = RequestSchema(document, messages);
        Assert.Equal(["max_tokens", "model"], Required(messagesBody));
        foreach (var field in new[] { "model", "max_tokens", "messages", "system", "tools", "stream" })
            Assert.True(messagesBody.GetProperty("properties").TryGetProperty(field, out _), $"messages does not document '{field}'");
        Assert.Equal(JsonValueKind.Object, messagesBody.GetProperty("additionalProperties").ValueKind);
        Assert.True(messages.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        Assert.Equal(["anthropic-beta", "anthropic-version", "x-api-key"],
            messages.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()).Order());
        Assert.Equal("AnthropicErrorBody", SchemaName(messages.GetProperty("responses").GetProperty("402")));
        var anthropicError = Schema(document, "AnthropicErrorBody").GetProperty("properties");
        Assert.Equal(["error", "request_id", "type"], anthropicError.EnumerateObject().Select(property => property.Name).Order());
        var anthropicDetail = anthropicError.GetProperty("error");
        anthropicDetail = anthropicDetail.TryGetProperty("$ref", out var anthropicReference) ? Schema(document, anthropicReference.GetString()!.Split('/')[^1]) : anthropicDetail;
        Assert.Equal(["details", "message", "type"], anthropicDetail.GetProperty("properties").EnumerateObject().Select(property => property.Name).Order());
        Assert.Equal("api_key", SecurityScheme(operations["POST /v1/messages/count_tokens"]));

        // Authorize: exactly the fields MeteringEndpoints reads, the required ones required, integers as integers.
        var authorize = operations["POST /v1/authorize"];
        Assert.Equal("service_token", SecurityScheme(authorize));
        var authorizeBody = RequestSchema(document, authorize);
        Assert.Equal(["account_id", "api_key", "caller_ip", "estimated_input_tokens", "max_output_tokens", "model", "request_id", "ttl_seconds"],
            authorizeBody.GetProperty("properties").EnumerateObject().Select(property => property.Name).Order());
        Assert.Equal(["caller_ip", "estimated_input_tokens", "max_output_tokens", "model", "request_id"], Required(authorizeBody));
        Assert.False(authorizeBody.GetProperty("additionalProperties").GetBoolean()); // JsonBody refuses unknown fields
        Assert.Equal("integer", authorizeBody.GetProperty("properties").GetProperty("estimated_input_tokens").GetProperty("type").GetString());
        Assert.Equal("AuthorizeResponse", SchemaName(authorize.GetProperty("responses").GetProperty("200")));
        var authorizeResponse = Schema(document, "AuthorizeResponse").GetProperty("properties");
        foreach (var field in new[] { "allowed", "reservation_id", "retry_after_ms", "rate_limit", "limits" })
            Assert.True(authorizeResponse.TryGetProperty(field, out _), $"AuthorizeResponse does not document '{field}'");

        // An adjustment: its body, its header alternative for the idempotency key, and a conflict in the error body.
        var adjust = operations["POST /admin/accounts/{accountId}/adjustments"];
        Assert.Equal("admin_token", SecurityScheme(adjust));
        Assert.Equal(["actor", "amount", "reason"], Required(RequestSchema(document, adjust)));
        Assert.Contains(adjust.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
        Assert.Equal("ErrorBody", SchemaName(adjust.GetProperty("responses").GetProperty("409")));
        var error = Schema(document, "ErrorBody").GetProperty("properties").GetProperty("error");
        var detail = error.TryGetProperty("$ref", out var reference) ? Schema(document, reference.GetString()!.Split('/')[^1]) : error;
        Assert.Equal(["code", "message", "param", "type"], detail.GetProperty("properties").EnumerateObject().Select(property => property.Name).Order());

        // Query parameters read by hand are documented too.
        Assert.Equal(["after", "limit", "prefix"],
            operations["GET /admin/accounts"].GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order());
    }

    private static async Task<JsonElement> DocumentAsync(TestCluster cluster)
    {
        using var response = await cluster.Gateway.GetAsync(DocumentPath); // no token: the document describes the API, not data
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Every route endpoint the gateway maps, as "METHOD /pattern" (one per method).</summary>
    private static HashSet<string> MappedEndpoints(IServiceProvider gateway)
    {
        var endpoints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in gateway.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = Normalize(endpoint.RoutePattern.RawText ?? "");
            if (ExcludedTrees.Keys.Any(tree => pattern == tree || pattern.StartsWith(tree + "/", StringComparison.Ordinal))) continue;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            // An endpoint for any method cannot be in the document as it is: it counts as undocumented.
            foreach (var method in methods is { Count: > 0 } ? methods : ["*"]) endpoints.Add($"{method} {pattern}");
        }
        return endpoints;
    }

    private static string Normalize(string pattern) =>
        "/" + RouteConstraint().Replace(Regex.Replace(pattern, "/{2,}", "/"), "}").Trim('/');

    /// <summary>The document's operations, as "METHOD /path" and the operation object.</summary>
    private static IEnumerable<KeyValuePair<string, JsonElement>> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "put" or "post" or "delete" or "patch" or "head" or "options"))
                yield return new($"{operation.Name.ToUpperInvariant()} {Normalize(path.Name)}", operation.Value);
        }
    }

    private static string? SecurityScheme(JsonElement operation) =>
        operation.TryGetProperty("security", out var security)
            ? Assert.Single(Assert.Single(security.EnumerateArray()).EnumerateObject()).Name
            : null;

    private static string? SchemaName(JsonElement response) =>
        response.TryGetProperty("content", out var content)
        && content.TryGetProperty("application/json", out var json)
        && json.GetProperty("schema").TryGetProperty("$ref", out var reference)
            ? reference.GetString()!.Split('/')[^1]
            : null;

    private static JsonElement Schema(JsonElement document, string name) => document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    private static JsonElement RequestSchema(JsonElement document, JsonElement operation)
    {
        var schema = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        return schema.TryGetProperty("$ref", out var reference) ? Schema(document, reference.GetString()!.Split('/')[^1]) : schema;
    }

    private static IEnumerable<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(name => name.GetString()!).Order() : [];

    [GeneratedRegex(":[^}]*}")]
    private static partial Regex RouteConstraint();

    [GeneratedRegex("{[^}]*}")]
    private static partial Regex PathParameter();
}
