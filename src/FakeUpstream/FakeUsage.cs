using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>
/// The usage a fake answer reports, in each API's shape: its input and output tokens (counted, or the <c>fake</c>
/// overrides) and the priced kinds of token the <c>fake</c> controls ask for (see <see cref="FakeControl"/>).
/// </summary>
/// <remarks>
/// <para>
/// OpenAI's totals include their parts, as OpenAI reports them: <c>prompt_tokens</c> (Responses: <c>input_tokens</c>)
/// includes the cached and audio input tokens, <c>completion_tokens</c> (<c>output_tokens</c>) the reasoning and audio
/// output tokens. The parts are taken as disjoint, so a total smaller than the sum of its parts is raised to that sum:
/// a test can ask for any parts without sizing the total too, and no part is ever bigger than what holds it.
/// </para>
/// <para>
/// Anthropic's <c>input_tokens</c> is the input read neither from nor into the cache: cache reads
/// (<c>cache_read_input_tokens</c>) and writes (<c>cache_creation_input_tokens</c>, split by lifetime in
/// <c>cache_creation</c>) are reported beside it, never taken out of it.
/// </para>
/// </remarks>
internal sealed class FakeUsage(int input, int output, FakeControl fake)
{
    /// <summary>Chat completions: every detail present (zero when not asked for), as OpenAI reports them.</summary>
    public JsonObject Chat()
    {
        var prompt = Math.Max(input, (long)fake.CachedTokens + fake.AudioInputTokens);
        var completion = Math.Max(output, (long)fake.ReasoningTokens + fake.AudioOutputTokens);
        return new()
        {
            ["prompt_tokens"] = prompt,
            ["completion_tokens"] = completion,
            ["total_tokens"] = prompt + completion,
            ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = fake.CachedTokens, ["audio_tokens"] = fake.AudioInputTokens },
            ["completion_tokens_details"] = new JsonObject
            {
                ["reasoning_tokens"] = fake.ReasoningTokens,
                ["audio_tokens"] = fake.AudioOutputTokens,
                ["accepted_prediction_tokens"] = 0,
                ["rejected_prediction_tokens"] = 0,
            },
        };
    }

    /// <summary>Legacy completions: the totals only.</summary>
    public JsonObject Completions() => new()
    {
        ["prompt_tokens"] = input,
        ["completion_tokens"] = output,
        ["total_tokens"] = (long)input + output,
    };

    /// <summary>The Responses API: cached input and reasoning output (it reports no audio).</summary>
    public JsonObject Responses()
    {
        var inputTokens = Math.Max(input, fake.CachedTokens);
        var outputTokens = Math.Max(output, fake.ReasoningTokens);
        return new()
        {
            ["input_tokens"] = inputTokens,
            ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = fake.CachedTokens },
            ["output_tokens"] = outputTokens,
            ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = fake.ReasoningTokens },
            ["total_tokens"] = (long)inputTokens + outputTokens,
        };
    }

    /// <summary>Embeddings: the input only.</summary>
    public JsonObject Embeddings() => new() { ["prompt_tokens"] = input, ["total_tokens"] = input };

    /// <summary>
    /// Anthropic's message: the uncached input, the cache's reads and writes beside it, and the output (in a stream's
    /// <c>message_start</c>, the first output token: the rest comes in <see cref="MessageDelta"/>).
    /// </summary>
    public JsonObject Message(bool started = false) => new()
    {
        ["input_tokens"] = input,
        ["cache_creation_input_tokens"] = (long)fake.CacheWrite5mTokens + fake.CacheWrite1hTokens,
        ["cache_read_input_tokens"] = fake.CachedTokens,
        ["cache_creation"] = new JsonObject
        {
            ["ephemeral_5m_input_tokens"] = fake.CacheWrite5mTokens,
            ["ephemeral_1h_input_tokens"] = fake.CacheWrite1hTokens,
        },
        ["output_tokens"] = started ? Math.Min(1, output) : output,
        ["service_tier"] = "standard",
    };

    /// <summary>Anthropic's <c>message_delta</c>: the output so far, cumulative (not added to <c>message_start</c>'s).</summary>
    public JsonObject MessageDelta() => new() { ["output_tokens"] = output };
}
