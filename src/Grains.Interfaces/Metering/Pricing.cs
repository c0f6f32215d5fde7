using System.Text.Json.Serialization;

namespace Tollgate.Grains.Metering;

/// <summary>
/// A model's price in nano-USD per 1,000,000 tokens: plain input and output, and <see cref="Extras"/> for the kinds of
/// token a provider prices apart. A request's cost is computed here and nowhere else (<see cref="Cost"/>): in 128 bits,
/// so no token count a caller can send overflows it, and rounded up once, to whole nano-USD, so a priced request is never free.
/// </summary>
[GenerateSerializer]
public readonly record struct Price(
    [property: Id(0)] long InputPerMillion,
    [property: Id(1)] long OutputPerMillion,
    [property: Id(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PriceExtras? Extras = null)
{
    public const long MaxTokens = 100_000_000; // far above any context window; more is a client bug

    /// <summary>Highest price of any component: 10,000 USD per million tokens.</summary>
    public const long MaxPerMillion = 10_000 * Credits.NanosPerUsd;

    /// <summary>Highest fee per request: 100 USD.</summary>
    public const long MaxRequestFee = 100 * Credits.NanosPerUsd;

    // The fallbacks: a component without its own price costs what the tokens it is a part of cost.
    public long CachedInputPerMillion => Extras?.CachedInputPerMillion ?? InputPerMillion;
    public long CacheWrite5mPerMillion => Extras?.CacheWrite5mPerMillion ?? InputPerMillion;
    public long CacheWrite1hPerMillion => Extras?.CacheWrite1hPerMillion ?? CacheWrite5mPerMillion;
    public long AudioInputPerMillion => Extras?.AudioInputPerMillion ?? InputPerMillion;
    public long ReasoningPerMillion => Extras?.ReasoningPerMillion ?? OutputPerMillion;
    public long AudioOutputPerMillion => Extras?.AudioOutputPerMillion ?? OutputPerMillion;
    public long RequestFee => Extras?.RequestFee ?? 0;

    /// <summary>What is wrong with this price, or null: every component within 0 to <see cref="MaxPerMillion"/>, the fee within 0 to <see cref="MaxRequestFee"/>.</summary>
    public string? Problem() =>
        InputPerMillion is < 0 or > MaxPerMillion || OutputPerMillion is < 0 or > MaxPerMillion ? $"Prices must be between 0 and {MaxPerMillion} nano-USD per million tokens."
        : Extras?.Problem();

    /// <summary>
    /// The cost of a request that used <paramref name="input"/> and <paramref name="output"/> tokens in all, of which
    /// <paramref name="details"/> are the kinds priced apart; the rest of each is plain input or output.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count out of range, parts larger than their total, or a cost above <see cref="Credits.MaxAmount"/>.</exception>
    public long Cost(long input, long output, TokenDetails? details = null)
    {
        if (input is < 0 or > MaxTokens || output is < 0 or > MaxTokens)
            throw new ArgumentOutOfRangeException(nameof(input), $"Token counts must be between 0 and {MaxTokens}.");
        var parts = details ?? TokenDetails.None;
        if (parts.Problem(input, output) is { } problem) throw new ArgumentOutOfRangeException(nameof(details), problem);
        var perMillion =
            (Int128)(input - parts.InputParts) * InputPerMillion
            + (Int128)parts.CachedInput * CachedInputPerMillion
            + (Int128)parts.CacheWrite5m * CacheWrite5mPerMillion
            + (Int128)parts.CacheWrite1h * CacheWrite1hPerMillion
            + (Int128)parts.AudioInput * AudioInputPerMillion
            + (Int128)(output - parts.OutputParts) * OutputPerMillion
            + (Int128)parts.Reasoning * ReasoningPerMillion
            + (Int128)parts.AudioOutput * AudioOutputPerMillion
            + (Int128)RequestFee * 1_000_000;
        var cost = (perMillion + 999_999) / 1_000_000;
        return cost <= Credits.MaxAmount ? (long)cost
            : throw new ArgumentOutOfRangeException(nameof(input), $"The request would cost more than {Credits.ToUsd(Credits.MaxAmount)} USD.");
    }

    /// <summary>
    /// The most a request of up to <paramref name="input"/> and <paramref name="output"/> tokens can cost, whatever kinds
    /// they turn out to be: what an authorize holds.
    /// </summary>
    public long WorstCase(long input, long output) =>
        new Price(
            Math.Max(Math.Max(InputPerMillion, CachedInputPerMillion), Math.Max(Math.Max(CacheWrite5mPerMillion, CacheWrite1hPerMillion), AudioInputPerMillion)),
            Math.Max(OutputPerMillion, Math.Max(ReasoningPerMillion, AudioOutputPerMillion)),
            RequestFee == 0 ? null : new PriceExtras(RequestFee: RequestFee))
            .Cost(input, output);
}

/// <summary>
/// The components a model prices apart from plain input and output, nano-USD per 1,000,000 tokens; a null one falls back
/// (cached input and a 5-minute cache write to input, a 1-hour cache write to the 5-minute one, audio input to input,
/// reasoning and audio output to output). <see cref="RequestFee"/>: nano-USD per request. (The digits of the cache writes' names
/// are spelled out for JSON: a snake-case policy would write cache_write5m.)
/// </summary>
[GenerateSerializer]
public sealed record PriceExtras(
    [property: Id(0)] long? CachedInputPerMillion = null,
    [property: Id(1), JsonPropertyName("cache_write_5m_per_million")] long? CacheWrite5mPerMillion = null,
    [property: Id(2), JsonPropertyName("cache_write_1h_per_million")] long? CacheWrite1hPerMillion = null,
    [property: Id(3)] long? ReasoningPerMillion = null,
    [property: Id(4)] long? AudioInputPerMillion = null,
    [property: Id(5)] long? AudioOutputPerMillion = null,
    [property: Id(6)] long? RequestFee = null)
{
    private static readonly PriceExtras None = new();

    /// <summary>Null when no component is priced apart.</summary>
    public PriceExtras? OrNull() => this == None ? null : this;

    public string? Problem()
    {
        foreach (var component in (ReadOnlySpan<long?>)[CachedInputPerMillion, CacheWrite5mPerMillion, CacheWrite1hPerMillion, ReasoningPerMillion, AudioInputPerMillion, AudioOutputPerMillion])
        {
            if (component is < 0 or > Price.MaxPerMillion) return $"Prices must be between 0 and {Price.MaxPerMillion} nano-USD per million tokens.";
        }
        return RequestFee is < 0 or > Price.MaxRequestFee ? $"The request fee must be between 0 and {Price.MaxRequestFee} nano-USD." : null;
    }
}

/// <summary>
/// The kinds of token a provider reports and prices apart, each a part of the request's input or output total (as
/// OpenAI counts them: its prompt tokens include cached and audio ones, its completion tokens reasoning and audio ones).
/// </summary>
[GenerateSerializer]
public sealed record TokenDetails(
    [property: Id(0)] long CachedInput = 0,
    [property: Id(1), JsonPropertyName("cache_write_5m")] long CacheWrite5m = 0,
    [property: Id(2), JsonPropertyName("cache_write_1h")] long CacheWrite1h = 0,
    [property: Id(3)] long Reasoning = 0,
    [property: Id(4)] long AudioInput = 0,
    [property: Id(5)] long AudioOutput = 0)
{
    public static readonly TokenDetails None = new();

    [JsonIgnore]
    public long InputParts => CachedInput + CacheWrite5m + CacheWrite1h + AudioInput;

    [JsonIgnore]
    public long OutputParts => Reasoning + AudioOutput;

    /// <summary>Null for no details at all (the common case, stored and sent as nothing).</summary>
    public TokenDetails? OrNull() => this == None ? null : this;

    /// <summary>What is wrong with these parts of <paramref name="input"/> and <paramref name="output"/> tokens, or null.</summary>
    public string? Problem(long input, long output)
    {
        foreach (var part in (ReadOnlySpan<long>)[CachedInput, CacheWrite5m, CacheWrite1h, Reasoning, AudioInput, AudioOutput])
        {
            if (part is < 0 or > Price.MaxTokens) return $"Token counts must be between 0 and {Price.MaxTokens}.";
        }
        if (InputParts > input) return $"Cached, cache-write and audio input tokens ({InputParts}) are parts of the input tokens ({input}) and cannot exceed them.";
        return OutputParts > output ? $"Reasoning and audio output tokens ({OutputParts}) are parts of the output tokens ({output}) and cannot exceed them." : null;
    }
}
