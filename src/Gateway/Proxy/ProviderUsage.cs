using System.Text.Json;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// Tokens as the provider reported them: <see cref="Input"/> and <see cref="Output"/> count every kind (as OpenAI's
/// prompt and completion tokens do), <see cref="Details"/> the parts of them priced apart.
/// </summary>
internal readonly record struct Usage(long Input, long Output, TokenDetails? Details = null)
{
    /// <summary>
    /// Two reports of one answer as one: each count the larger. An Anthropic stream reports its input at its start and
    /// its output, cumulative, at its end; OpenAI's report once.
    /// </summary>
    public Usage Merge(Usage later)
    {
        var (a, b) = (Details ?? TokenDetails.None, later.Details ?? TokenDetails.None);
        var details = new TokenDetails(Math.Max(a.CachedInput, b.CachedInput), Math.Max(a.CacheWrite5m, b.CacheWrite5m), Math.Max(a.CacheWrite1h, b.CacheWrite1h),
            Math.Max(a.Reasoning, b.Reasoning), Math.Max(a.AudioInput, b.AudioInput), Math.Max(a.AudioOutput, b.AudioOutput));
        return new Usage(Math.Max(Input, later.Input), Math.Max(Output, later.Output), details.OrNull());
    }

    /// <summary>
    /// The usage a settle takes: totals at most <see cref="Price.MaxTokens"/>, parts within their totals (a provider that
    /// reports more parts than tokens is believed on the total). <paramref name="capped"/>: anything had to change.
    /// </summary>
    public Usage Bounded(out bool capped)
    {
        var (input, output) = (Math.Min(Input, Price.MaxTokens), Math.Min(Output, Price.MaxTokens));
        var parts = Details ?? TokenDetails.None;
        var cached = Math.Min(parts.CachedInput, input);
        var write5m = Math.Min(parts.CacheWrite5m, input - cached);
        var write1h = Math.Min(parts.CacheWrite1h, input - cached - write5m);
        var audioIn = Math.Min(parts.AudioInput, input - cached - write5m - write1h);
        var reasoning = Math.Min(parts.Reasoning, output);
        var audioOut = Math.Min(parts.AudioOutput, output - reasoning);
        var bounded = new Usage(input, output, new TokenDetails(cached, write5m, write1h, reasoning, audioIn, audioOut).OrNull());
        capped = bounded != this with { Details = Details?.OrNull() };
        return bounded;
    }
}

/// <summary>How each provider's API writes its usage object.</summary>
internal static class ProviderUsage
{
    /// <summary>
    /// OpenAI's: totals under <paramref name="input"/> and <paramref name="output"/> (prompt_tokens / completion_tokens, or
    /// input_tokens / output_tokens), parts under their <c>_details</c>: <c>cached_tokens</c> and <c>audio_tokens</c> of the
    /// input, <c>reasoning_tokens</c> and <c>audio_tokens</c> of the output.
    /// </summary>
    public static Usage OpenAi(JsonElement usage, string input, string output)
    {
        var inputDetails = Child(usage, input + "_details");
        var outputDetails = Child(usage, output + "_details");
        var details = new TokenDetails(
            CachedInput: Count(inputDetails, "cached_tokens"), AudioInput: Count(inputDetails, "audio_tokens"),
            Reasoning: Count(outputDetails, "reasoning_tokens"), AudioOutput: Count(outputDetails, "audio_tokens"));
        return new Usage(Count(usage, input), Count(usage, output), details.OrNull());
    }

    /// <summary>
    /// Anthropic's: <c>input_tokens</c> are the input that was neither read from nor written to the cache, so the total is
    /// that plus <c>cache_read_input_tokens</c> and <c>cache_creation_input_tokens</c>; the writes split by <c>cache_creation</c>'s
    /// <c>ephemeral_5m_input_tokens</c> and <c>ephemeral_1h_input_tokens</c> (without the split, all 5-minute writes).
    /// </summary>
    public static Usage Anthropic(JsonElement usage)
    {
        var read = Count(usage, "cache_read_input_tokens");
        var written = Count(usage, "cache_creation_input_tokens");
        var split = Child(usage, "cache_creation");
        var write1h = Count(split, "ephemeral_1h_input_tokens");
        var write5m = split.ValueKind == JsonValueKind.Object ? Count(split, "ephemeral_5m_input_tokens") : written;
        // The split, when given, is the writes: believed over a total that disagrees with it.
        if (split.ValueKind == JsonValueKind.Object) written = write5m + write1h;
        var input = Count(usage, "input_tokens") + read + written;
        return new Usage(input, Count(usage, "output_tokens"), new TokenDetails(CachedInput: read, CacheWrite5m: write5m, CacheWrite1h: write1h).OrNull());
    }

    private static JsonElement Child(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var child) && child.ValueKind == JsonValueKind.Object ? child : default;

    // A count the provider wrote badly (missing, negative, a fraction, a string) is no count: 0.
    private static long Count(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number // TryGetInt64 throws on a string
        && value.TryGetInt64(out var count) && count >= 0
            ? Math.Min(count, long.MaxValue / 4) // three of them are added: no overflow
            : 0;
}
