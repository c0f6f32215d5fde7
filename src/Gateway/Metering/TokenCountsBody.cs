using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using Tollgate.Gateway.Api;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The token counts of a settle or a usage report: <c>input_tokens</c> and <c>output_tokens</c>, and the optional token kinds
/// beside them, each a part of one of them, priced at its own component of the model's price. Read before the body's other
/// fields, so a count that does not add up is refused there (400 <c>invalid_usage</c>).
/// </summary>
public abstract record TokenCountsBody
{
    [SetsRequiredMembers]
    protected TokenCountsBody(JsonBody body)
    {
        InputTokens = body.RequiredCount("input_tokens", Price.MaxTokens);
        OutputTokens = body.RequiredCount("output_tokens", Price.MaxTokens);
        CachedInputTokens = Count(body, "cached_input_tokens");
        CacheWrite5mTokens = Count(body, "cache_write_5m_tokens");
        CacheWrite1hTokens = Count(body, "cache_write_1h_tokens");
        ReasoningTokens = Count(body, "reasoning_tokens");
        AudioInputTokens = Count(body, "audio_input_tokens");
        AudioOutputTokens = Count(body, "audio_output_tokens");
        var kinds = new TokenDetails(CachedInputTokens ?? 0, CacheWrite5mTokens ?? 0, CacheWrite1hTokens ?? 0, ReasoningTokens ?? 0, AudioInputTokens ?? 0, AudioOutputTokens ?? 0);
        if (kinds.Problem(InputTokens, OutputTokens) is { } problem) throw ApiException.BadRequest("invalid_usage", problem);
        _details = kinds.OrNull();
    }

    private readonly TokenDetails? _details; // made once, as checked

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

    /// <summary>The token kinds beyond input and output, or null when there are none.</summary>
    public TokenDetails? Details() => _details;

    /// <summary>The counts as charged: measured, not estimated.</summary>
    internal SettledTokens Tokens() => new(InputTokens, OutputTokens, Estimated: false, Details());

    private static long? Count(JsonBody body, string name) => body.OptionalCount(name, Price.MaxTokens);
}
