using Tollgate.Grains.Accounts;


namespace Tollgate.Grains;

/// <summary>Checks of message fields; a bad field is rejected with a stable code, never half-applied.</summary>
internal static class Validate
{
    public const int MaxKeyLength = 400; // gateways accept ids of up to 200; shared scopes prefix them with their owner

    public static void Amount(long amount, string field, bool allowZero)
    {
        if (amount < 0 || (!allowZero && amount == 0) || amount > Credits.MaxAmount)
            throw new TollgateException(AccountErrors.InvalidAmount,
                $"{field} must be {(allowZero ? "between 0" : "between 1")} and {Credits.MaxAmount} nano-USD ({Credits.ToUsd(Credits.MaxAmount)} USD); got {amount}.");
    }

    public static void Key(string? key, string field)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength || key.Any(char.IsControl))
            throw new TollgateException(AccountErrors.InvalidArgument, $"{field} must be 1 to {MaxKeyLength} printable characters.");
    }

    public static void Tokens(long tokens, string field)
    {
        if (tokens is < 0 or > Metering.Price.MaxTokens)
            throw new TollgateException(AccountErrors.InvalidArgument, $"{field} must be between 0 and {Metering.Price.MaxTokens}.");
    }

    public static void Ttl(int seconds)
    {
        if (seconds is < 1 or > AccountLimits.MaxReservationTtlSeconds)
            throw new TollgateException(AccountErrors.InvalidArgument, $"The reservation TTL must be between 1 and {AccountLimits.MaxReservationTtlSeconds} seconds.");
    }

    /// <summary>An outcome is a short lower-case code (success, error, aborted, ...): it becomes a group in usage queries.</summary>
    public static void Outcome(string? outcome)
    {
        if (outcome is not { Length: >= 1 and <= 40 } || !outcome.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            throw new TollgateException(AccountErrors.InvalidArgument, "The outcome must be 1 to 40 characters of a-z, 0-9 and _.");
    }

    public static void Limits(Limits.LimitSettings? limits)
    {
        if (limits is null) throw new TollgateException(Grains.Limits.LimitErrors.InvalidLimits, "Limits are required.");
        if (limits.Problem() is { } problem) throw new TollgateException(Grains.Limits.LimitErrors.InvalidLimits, problem);
    }

    /// <summary>Free text (a reason, an actor, a name): printable, so it can never make a write fail in the database (a NUL would).</summary>
    public static void Text(string? text, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > maxLength || text.Any(char.IsControl))
            throw new TollgateException(AccountErrors.InvalidArgument, $"{field} must be 1 to {maxLength} printable characters.");
    }
}
