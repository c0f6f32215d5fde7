using System.Globalization;
using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>GET /v1/models: the configured ids, in Anthropic's shape when asked with <c>anthropic-version</c>, else OpenAI's.</summary>
internal static class Models
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static Task WriteAsync(HttpContext context, IReadOnlyList<string> ids) =>
        FakeJson.WriteAsync(context, Messages.Speaks(context.Request) ? Anthropic(ids) : OpenAi(ids));

    private static JsonObject OpenAi(IReadOnlyList<string> ids) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject
        {
            ["id"] = id, ["object"] = "model", ["created"] = Created.ToUnixTimeSeconds(), ["owned_by"] = "fake-upstream",
        })]),
    };

    /// <summary>One page holding every model (the fake ignores <c>limit</c>, <c>after_id</c> and <c>before_id</c>).</summary>
    private static JsonObject Anthropic(IReadOnlyList<string> ids) => new()
    {
        ["data"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject
        {
            ["type"] = "model", ["id"] = id, ["display_name"] = id,
            ["created_at"] = Created.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        })]),
        ["has_more"] = false,
        ["first_id"] = ids.Count > 0 ? ids[0] : null,
        ["last_id"] = ids.Count > 0 ? ids[^1] : null,
    };
}
