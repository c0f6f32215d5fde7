namespace Tollgate.Grains;

/// <summary>
/// Money is an exact integer count of nano-USD (1e-9 USD): fine enough that one request to the
/// cheapest model never rounds to zero, and a long holds ±9.2 billion USD. Never a double.
/// </summary>
public static class Credits
{
    public const long NanosPerUsd = 1_000_000_000;

    /// <summary>Largest single amount (reservation, settlement, adjustment): 1,000,000 USD.</summary>
    public const long MaxAmount = 1_000_000 * NanosPerUsd;

    /// <summary>Largest balance an account may reach: 1,000,000,000 USD; far from overflow.</summary>
    public const long MaxBalance = 1_000_000_000 * NanosPerUsd;

    /// <summary>Formats nano-USD as a decimal USD string, e.g. 1500000000 → "1.5".</summary>
    public static string ToUsd(long nanos) => (nanos / (decimal)NanosPerUsd).ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture);
}
