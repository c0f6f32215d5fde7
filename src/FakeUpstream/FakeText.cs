using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>The deterministic output: "fake0 fake1 …", one word per token, and the usage objects that report it.</summary>
internal static class FakeText
{
    public static string Content(int tokens) => string.Concat(Chunks(tokens, 1));

    /// <summary>The content split over exactly <paramref name="chunks"/> pieces (some empty when there are fewer words).</summary>
    public static string[] Chunks(int tokens, int chunks) => [.. Enumerable.Range(0, chunks).Select(chunk =>
    {
        var (first, end) = (chunk * tokens / chunks, (chunk + 1) * tokens / chunks);
        return string.Concat(Enumerable.Range(first, end - first).Select(i => i == 0 ? "fake0" : $" fake{i}"));
    })];

    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static JsonObject ChatUsage(int input, int output) => new()
    {
        ["prompt_tokens"] = input,
        ["completion_tokens"] = output,
        ["total_tokens"] = input + output,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
    };

    public static JsonObject ResponsesUsage(int input, int output) => new()
    {
        ["input_tokens"] = input,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["output_tokens"] = output,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
        ["total_tokens"] = input + output,
    };
}
