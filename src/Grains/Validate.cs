using Tollgate.Grains.Accounts;
using Tollgate.Runtime;

namespace Tollgate.Grains;

/// <summary>Checks of message fields; a bad field is rejected with a stable code, never half-applied.</summary>
internal static class Validate
{
    public const int MaxKeyLength = 200;

    public static void Amount(long amount, string field, bool allowZero)
    {
        if (amount < 0 || (!allowZero && amount == 0) || amount > Credits.MaxAmount)
            throw new GrainException(AccountErrors.InvalidAmount,
                $"{field} must be {(allowZero ? "between 0" : "between 1")} and {Credits.MaxAmount} nano-USD ({Credits.ToUsd(Credits.MaxAmount)} USD); got {amount}.");
    }

    public static void Key(string? key, string field)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength || key.Any(char.IsControl))
            throw new GrainException(AccountErrors.InvalidArgument, $"{field} must be 1 to {MaxKeyLength} printable characters.");
    }

    public static void Text(string? text, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > maxLength)
            throw new GrainException(AccountErrors.InvalidArgument, $"{field} must be 1 to {maxLength} characters.");
    }
}
