using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>
/// Anthropic's Messages API: POST /v1/messages (a message, or its stream of named events from <c>message_start</c> to
/// <c>message_stop</c>) and POST /v1/messages/count_tokens. Such requests carry Anthropic's headers (<c>anthropic-version</c>,
/// required; the key in <c>x-api-key</c>) and are answered with Anthropic's errors (<see cref="AnthropicError"/>).
/// </summary>
internal static class Messages
{
    public const string VersionHeader = "anthropic-version";
    public const string BetaHeader = "anthropic-beta";
    public const string ApiKeyHeader = "x-api-key";

    private static readonly string[] OpenAiPaths = ["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/embeddings"];

    /// <summary>
    /// Whether a request is Anthropic's (its key in <c>x-api-key</c>, its errors in Anthropic's shape): anything under
    /// /v1/messages, and with an <c>anthropic-version</c> header anything but OpenAI's own endpoints (the models, an unknown path).
    /// </summary>
    public static bool Speaks(HttpRequest request) =>
        request.Path.StartsWithSegments("/v1/messages")
        || (request.Headers.ContainsKey(VersionHeader) && !OpenAiPaths.Any(path => request.Path.StartsWithSegments(path)));

    public static async Task RespondAsync(HttpContext context, FakeRequest request)
    {
        var input = InputTokens(request);
        var maxTokens = request.Root.TryGetProperty("max_tokens", out var max)
            ? max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var value) && value >= 1 ? value : throw FakeRequest.Invalid("max_tokens")
            : throw new BadFakeRequestException("max_tokens: Field required", "max_tokens", "missing_required_parameter");
        var output = request.OutputTokens("max_tokens");
        var (id, fake, usage) = (FakeText.NewId("msg_fake_"), request.Fake, new FakeUsage(input, output, request.Fake));
        var stopReason = output >= maxTokens ? "max_tokens" : "end_turn";

        // Started: as message_start carries it, before any content (its usage counts the first output token only).
        JsonObject Message(bool started)
        {
            var message = new JsonObject
            {
                ["id"] = id,
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = request.Model,
                ["content"] = started ? new JsonArray() : new JsonArray(TextBlock(FakeText.Content(output))),
                ["stop_reason"] = started ? null : stopReason,
                ["stop_sequence"] = null,
            };
            if (fake.Usage) message["usage"] = usage.Message(started);
            return message;
        }

        if (!request.Stream)
        {
            await (fake.CutAfter is null ? FakeJson.WriteAsync(context, Message(started: false)) : FakeJson.WriteHalfAndCutAsync(context, Message(started: false)));
            return;
        }

        var sse = new SseWriter(context, fake);
        Task EventAsync(string type, params (string Name, JsonNode? Value)[] fields)
        {
            var data = new JsonObject { ["type"] = type };
            foreach (var (name, value) in fields) data[name] = value;
            return sse.WriteAsync(FakeJson.Text(data), type);
        }

        await EventAsync("message_start", ("message", Message(started: true)));
        await EventAsync("content_block_start", ("index", 0), ("content_block", TextBlock("")));
        await EventAsync("ping");
        var chunks = FakeText.Chunks(output, fake.Chunks);
        for (var i = 0; i < chunks.Length && i != fake.CutAfter; i++)
            await EventAsync("content_block_delta", ("index", 0), ("delta", new JsonObject { ["type"] = "text_delta", ["text"] = chunks[i] }));
        if (fake.CutAfter is not null)
        {
            // With a status, the stream fails as Anthropic's do (an error event, then the end); without, the connection drops.
            if (fake.Status is { } status) await sse.WriteAsync(FakeJson.Text(AnthropicError.Body(status, "fake upstream failure")), "error");
            else await sse.CutAsync();
            return;
        }
        await EventAsync("content_block_stop", ("index", 0));
        var delta = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null };
        await (fake.Usage ? EventAsync("message_delta", ("delta", delta), ("usage", usage.MessageDelta())) : EventAsync("message_delta", ("delta", delta)));
        await EventAsync("message_stop");
    }

    /// <summary>POST /v1/messages/count_tokens: the input a message with this body would report.</summary>
    public static Task CountTokensAsync(HttpContext context, FakeRequest request) =>
        FakeJson.WriteAsync(context, new JsonObject { ["input_tokens"] = InputTokens(request) });

    /// <summary>Whether <c>fake.status</c> fails this request inside its stream rather than before it (see <see cref="FakeControl"/>).</summary>
    public static bool FailsInsideStream(FakeRequest request) => request.Stream && request.Fake is { Status: not null, CutAfter: not null };

    /// <summary>The same count as the other endpoints', of the system prompt and the messages (or <c>fake.input_tokens</c>).</summary>
    private static int InputTokens(FakeRequest request)
    {
        if (!request.Root.TryGetProperty("messages", out var messages))
            throw new BadFakeRequestException("messages: Field required", "messages", "missing_required_parameter");
        if (messages.ValueKind != JsonValueKind.Array) throw FakeRequest.Invalid("messages");
        return request.InputTokens("system", "messages");
    }

    private static JsonObject TextBlock(string text) => new() { ["type"] = "text", ["text"] = text };
}
