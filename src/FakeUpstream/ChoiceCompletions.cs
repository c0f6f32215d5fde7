using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>
/// POST /v1/chat/completions and the legacy POST /v1/completions: one flow (a body with choices, or a stream of
/// chunks, a finish chunk, an optional usage chunk and [DONE]) with two shapes of choice.
/// </summary>
internal sealed class ChoiceCompletions
{
    public static readonly ChoiceCompletions Chat = new(chat: true);
    public static readonly ChoiceCompletions Legacy = new(chat: false);

    private readonly bool _chat;

    private ChoiceCompletions(bool chat) => _chat = chat;

    public async Task RespondAsync(HttpContext context, FakeRequest request)
    {
        if (_chat && (!request.Root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array))
            throw new BadFakeRequestException("messages is required and must be an array", "messages", "missing_required_parameter");
        var output = request.OutputTokens(_chat ? request.LimitField("max_completion_tokens", "max_tokens") : "max_tokens");
        var input = request.InputTokens(_chat ? "messages" : "prompt");
        var usage = new FakeUsage(input, output, request.Fake);
        var (id, created, fake) = (FakeText.NewId(_chat ? "chatcmpl-fake-" : "cmpl-fake-"), FakeText.Now(), request.Fake);

        JsonObject Envelope(string objectName, JsonArray choices) => new()
        {
            ["id"] = id,
            ["object"] = objectName,
            ["created"] = created,
            ["model"] = request.Model,
            ["choices"] = choices,
        };

        if (!request.Stream)
        {
            var choice = _chat
                ? new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = FakeText.Content(output), ["refusal"] = null } }
                : new JsonObject { ["index"] = 0, ["text"] = FakeText.Content(output) };
            choice["finish_reason"] = "stop";
            choice["logprobs"] = null;
            var body = Envelope(_chat ? "chat.completion" : "text_completion", [choice]);
            if (fake.Usage) body["usage"] = _chat ? usage.Chat() : usage.Completions();
            await (fake.CutAfter is null ? FakeJson.WriteAsync(context, body) : FakeJson.WriteHalfAndCutAsync(context, body));
            return;
        }

        var sse = new SseWriter(context, fake);
        Task WriteChunkAsync(string? content, string? finishReason, bool roleChunk = false)
        {
            var choice = new JsonObject { ["index"] = 0 };
            if (_chat)
            {
                var delta = new JsonObject();
                if (roleChunk) delta["role"] = "assistant";
                if (content is not null) delta["content"] = content;
                choice["delta"] = delta;
            }
            else choice["text"] = content ?? "";
            choice["logprobs"] = null;
            choice["finish_reason"] = finishReason;
            var chunk = Envelope(_chat ? "chat.completion.chunk" : "text_completion", [choice]);
            // With include_usage OpenAI puts "usage": null on every chunk but the last.
            if (request.IncludeUsage) chunk["usage"] = null;
            return sse.WriteAsync(FakeJson.Text(chunk));
        }

        if (_chat) await WriteChunkAsync("", null, roleChunk: true);
        var chunks = FakeText.Chunks(output, fake.Chunks);
        for (var i = 0; i < chunks.Length && i != fake.CutAfter; i++) await WriteChunkAsync(chunks[i], null);
        if (fake.CutAfter is not null)
        {
            await sse.CutAsync();
            return;
        }
        await WriteChunkAsync(_chat ? null : "", "stop");
        if (request.IncludeUsage && fake.Usage)
        {
            var last = Envelope(_chat ? "chat.completion.chunk" : "text_completion", []);
            last["usage"] = _chat ? usage.Chat() : usage.Completions();
            await sse.WriteAsync(FakeJson.Text(last));
        }
        await sse.WriteAsync("[DONE]");
    }
}
