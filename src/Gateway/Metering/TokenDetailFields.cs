using System.ComponentModel;
using Tollgate.Gateway.Api;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The optional token kinds of <c>/v1/settle</c> and <c>/v1/usage</c>, beside their <c>input_tokens</c> and
/// <c>output_tokens</c>: each a part of one of them, priced at its own component of the model's price.
/// </summary>
internal static class TokenDetailFields
{
    public static TokenDetails? Read(JsonBody body, long input, long output)
    {
        var details = new TokenDetails(
            Count(body, "cached_input_tokens"), Count(body, "cache_write_5m_tokens"), Count(body, "cache_write_1h_tokens"),
            Count(body, "reasoning_tokens"), Count(body, "audio_input_tokens"), Count(body, "audio_output_tokens"));
        return details.Problem(input, output) is { } problem ? throw ApiException.BadRequest("invalid_usage", problem) : details.OrNull();
    }

    private static long Count(JsonBody body, string name) => body.OptionalCount(name, Price.MaxTokens) ?? 0;
}

/// <summary>The token counts of a settle or a usage report, for the OpenAPI document (the handlers read them with <see cref="TokenDetailFields"/>).</summary>
public abstract class TokenCountsBody
{
    [Description("Input tokens used, every kind included (as OpenAI's prompt_tokens).")]
    public required long InputTokens { get; init; }

    [Description("Output tokens used, every kind included (as OpenAI's completion_tokens).")]
    public required long OutputTokens { get; init; }

    [Description("Of the input tokens, those read from the provider's prompt cache; priced at cached_input_per_million. 0 by default.")]
    public long? CachedInputTokens { get; init; }

    [Description("Of the input tokens, those written to a 5-minute prompt cache (Anthropic's cache_creation); priced at cache_write_5m_per_million. 0 by default.")]
    public long? CacheWrite5mTokens { get; init; }

    [Description("Of the input tokens, those written to a 1-hour prompt cache; priced at cache_write_1h_per_million. 0 by default.")]
    public long? CacheWrite1hTokens { get; init; }

    [Description("Of the output tokens, the reasoning ones; priced at reasoning_per_million. 0 by default.")]
    public long? ReasoningTokens { get; init; }

    [Description("Of the input tokens, the audio ones; priced at audio_input_per_million. 0 by default.")]
    public long? AudioInputTokens { get; init; }

    [Description("Of the output tokens, the audio ones; priced at audio_output_per_million. 0 by default.")]
    public long? AudioOutputTokens { get; init; }
}
