namespace Tollgate.Grains.Metering;

/// <summary>
/// A model's price in nano-USD per 1,000,000 tokens, input and output. A request's cost is rounded
/// up to whole nano-USD, so a priced request is never free, and computed in 128 bits, so no token
/// count a caller can send overflows it.
/// </summary>
[GenerateSerializer]
public readonly record struct Price([property: Id(0)] long InputPerMillion, [property: Id(1)] long OutputPerMillion)
{
    public const long MaxTokens = 100_000_000; // far above any context window; more is a client bug

    public long Cost(long inputTokens, long outputTokens)
    {
        if (inputTokens is < 0 or > MaxTokens || outputTokens is < 0 or > MaxTokens)
            throw new ArgumentOutOfRangeException(nameof(inputTokens), $"Token counts must be between 0 and {MaxTokens}.");
        var numerator = (Int128)inputTokens * InputPerMillion + (Int128)outputTokens * OutputPerMillion;
        var cost = (numerator + 999_999) / 1_000_000;
        return cost <= Credits.MaxAmount ? (long)cost
            : throw new ArgumentOutOfRangeException(nameof(inputTokens), $"The request would cost more than {Credits.ToUsd(Credits.MaxAmount)} USD.");
    }
}
