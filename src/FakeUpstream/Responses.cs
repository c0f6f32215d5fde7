using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>POST /v1/responses: a response object, or its stream of typed events ending in response.completed (no [DONE]).</summary>
internal static class Responses
{
    public static async Task RespondAsync(HttpContext context, FakeRequest request)
    {
        var output = request.OutputTokens("max_output_tokens");
        var usage = new FakeUsage(request.InputTokens("input", "instructions"), output, request.Fake);
        var (id, messageId, created, fake) = (FakeText.NewId("resp_fake_"), FakeText.NewId("msg_fake_"), FakeText.Now(), request.Fake);
        var text = FakeText.Content(output);

        JsonObject Part(string partText) => new() { ["type"] = "output_text", ["text"] = partText, ["annotations"] = new JsonArray() };
        JsonObject Message(bool done) => new()
        {
            ["type"] = "message",
            ["id"] = messageId,
            ["status"] = done ? "completed" : "in_progress",
            ["role"] = "assistant",
            ["content"] = done ? new JsonArray(Part(text)) : new JsonArray(),
        };
        JsonObject Response(bool done)
        {
            var response = new JsonObject
            {
                ["id"] = id,
                ["object"] = "response",
                ["created_at"] = created,
                ["status"] = done ? "completed" : "in_progress",
                ["error"] = null,
                ["incomplete_details"] = null,
                ["model"] = request.Model,
                ["output"] = done ? new JsonArray(Message(done: true)) : new JsonArray(),
            };
            // Streamed, usage is always present (null until completed, and when suppressed); non-streamed it is omitted when suppressed.
            if (fake.Usage) response["usage"] = done ? usage.Responses() : null;
            else if (request.Stream) response["usage"] = null;
            return response;
        }

        if (!request.Stream)
        {
            await (fake.CutAfter is null ? FakeJson.WriteAsync(context, Response(done: true)) : FakeJson.WriteHalfAndCutAsync(context, Response(done: true)));
            return;
        }

        var sse = new SseWriter(context, fake);
        var sequence = 0;
        Task EventAsync(string type, params (string Name, JsonNode? Value)[] fields)
        {
            var data = new JsonObject { ["type"] = type, ["sequence_number"] = sequence++ };
            foreach (var (name, value) in fields) data[name] = value;
            return sse.WriteAsync(FakeJson.Text(data), type);
        }
        Task PartEventAsync(string type, string name, JsonNode value) =>
            EventAsync(type, ("item_id", messageId), ("output_index", 0), ("content_index", 0), (name, value));

        await EventAsync("response.created", ("response", Response(done: false)));
        await EventAsync("response.in_progress", ("response", Response(done: false)));
        await EventAsync("response.output_item.added", ("output_index", 0), ("item", Message(done: false)));
        await PartEventAsync("response.content_part.added", "part", Part(""));
        var chunks = FakeText.Chunks(output, fake.Chunks);
        for (var i = 0; i < chunks.Length && i != fake.CutAfter; i++) await PartEventAsync("response.output_text.delta", "delta", chunks[i]);
        if (fake.CutAfter is not null)
        {
            await sse.CutAsync();
            return;
        }
        await PartEventAsync("response.output_text.done", "text", text);
        await PartEventAsync("response.content_part.done", "part", Part(text));
        await EventAsync("response.output_item.done", ("output_index", 0), ("item", Message(done: true)));
        await EventAsync("response.completed", ("response", Response(done: true)));
    }
}
