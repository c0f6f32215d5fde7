using System.Text.Json;

namespace Tollgate.FakeUpstream;

/// <summary>The optional top-level <c>"fake"</c> object of a request body: what to answer and how to fail.</summary>
/// <param name="InputTokens">Overrides the prompt tokens reported (for Anthropic: the uncached input, beside the cache's).</param>
/// <param name="OutputTokens">Overrides the completion tokens generated and reported.</param>
/// <param name="Chunks">Content chunks in a stream (the content is split over them).</param>
/// <param name="ChunkDelayMs">Delay between stream events.</param>
/// <param name="FirstByteDelayMs">Delay before the response headers.</param>
/// <param name="Status">Answer with this status and the API's error instead (OpenAI's shape, or Anthropic's on /v1/messages).
/// On a /v1/messages stream with <paramref name="CutAfter"/>, the stream starts and fails after that many chunks with an
/// <c>event: error</c> of this status, as Anthropic's streams fail when it is overloaded.</param>
/// <param name="CutAfter">Cut the connection after this many content chunks (non-streamed: after half the body): the client gets what was sent, then an unfinished body.</param>
/// <param name="Usage">False: report no usage at all.</param>
/// <param name="Hold">A stream waits after its first event until the gate of this name opens (see <see cref="FakeGates"/>).</param>
/// <param name="CachedTokens">Input tokens read from the provider's prompt cache (a part of OpenAI's input; beside Anthropic's).</param>
/// <param name="CacheWrite5mTokens">Anthropic only: input tokens written to the 5-minute prompt cache (beside its input).</param>
/// <param name="CacheWrite1hTokens">Anthropic only: input tokens written to the 1-hour prompt cache (beside its input).</param>
/// <param name="ReasoningTokens">OpenAI only: output tokens spent reasoning (a part of the output).</param>
/// <param name="AudioInputTokens">Chat completions only: input tokens of audio (a part of the input).</param>
/// <param name="AudioOutputTokens">Chat completions only: output tokens of audio (a part of the output).</param>
/// <remarks>The content is one word per output token whatever the parts; how each API reports them: <see cref="FakeUsage"/>.</remarks>
public sealed record FakeControl(int? InputTokens = null, int? OutputTokens = null, int Chunks = 4, int ChunkDelayMs = 0,
    int FirstByteDelayMs = 0, int? Status = null, int? CutAfter = null, bool Usage = true, string? Hold = null,
    int CachedTokens = 0, int CacheWrite5mTokens = 0, int CacheWrite1hTokens = 0, int ReasoningTokens = 0,
    int AudioInputTokens = 0, int AudioOutputTokens = 0)
{
    public static readonly FakeControl Default = new();

    public static FakeControl Parse(JsonElement root)
    {
        if (!root.TryGetProperty("fake", out var fake) || fake.ValueKind == JsonValueKind.Null) return Default;
        if (fake.ValueKind != JsonValueKind.Object) throw Bad("fake must be an object", "fake");

        var control = Default;
        foreach (var field in fake.EnumerateObject())
        {
            control = field.Name switch
            {
                "input_tokens" => control with { InputTokens = Int(field, 0, int.MaxValue) }, // past 100M too: a provider's usage the gateway must cap
                "output_tokens" => control with { OutputTokens = Int(field, 0, 100_000) },
                "chunks" => control with { Chunks = Int(field, 1, 10_000) },
                "chunk_delay_ms" => control with { ChunkDelayMs = Int(field, 0, 60_000) },
                "first_byte_delay_ms" => control with { FirstByteDelayMs = Int(field, 0, 300_000) },
                "status" => control with { Status = Int(field, 400, 599) },
                "cut_after" => control with { CutAfter = Int(field, 0, 10_000) },
                "usage" => control with { Usage = Bool(field) },
                "hold" => control with { Hold = Name(field) },
                "cached_tokens" => control with { CachedTokens = Int(field, 0, int.MaxValue) },
                "cache_write_5m_tokens" => control with { CacheWrite5mTokens = Int(field, 0, int.MaxValue) },
                "cache_write_1h_tokens" => control with { CacheWrite1hTokens = Int(field, 0, int.MaxValue) },
                "reasoning_tokens" => control with { ReasoningTokens = Int(field, 0, int.MaxValue) },
                "audio_input_tokens" => control with { AudioInputTokens = Int(field, 0, int.MaxValue) },
                "audio_output_tokens" => control with { AudioOutputTokens = Int(field, 0, int.MaxValue) },
                // A typo in a test's failure injection should fail loudly, not pass silently.
                _ => throw Bad($"fake.{field.Name} is not a known field", $"fake.{field.Name}"),
            };
        }
        return control;
    }

    private static int Int(JsonProperty field, int min, int max) =>
        field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetInt32(out var value) && value >= min && value <= max
            ? value
            : throw Bad($"fake.{field.Name} must be an integer from {min} to {max}", $"fake.{field.Name}");

    private static string Name(JsonProperty field) =>
        field.Value.ValueKind == JsonValueKind.String && field.Value.GetString() is { Length: > 0 and <= 100 } name
            ? name
            : throw Bad($"fake.{field.Name} must be a name of 1 to 100 characters", $"fake.{field.Name}");

    private static bool Bool(JsonProperty field) => field.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Bad($"fake.{field.Name} must be a boolean", $"fake.{field.Name}"),
    };

    private static BadFakeRequestException Bad(string message, string param) => new(message, param, "invalid_fake");
}
