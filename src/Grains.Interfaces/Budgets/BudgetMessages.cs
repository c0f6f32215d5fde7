namespace Tollgate.Grains.Budgets;

// Budgets of an account and of its API keys. The account grain keeps them all, so one atomic authorize
// checks credit and every budget the request counts against.

/// <summary>
/// Sets (creates or replaces) budget <see cref="Name"/> of the account, or of its key <see cref="KeyId"/>: a cap on the cost
/// (nano-USD), on the tokens, or both, per <see cref="Period"/> (see <see cref="BudgetPeriod"/>). Calendar periods follow
/// <see cref="TimeZone"/>, or the account's zone when null. A new budget, or one whose period or zone changed, counts what
/// its current period had already spent.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SetBudget(
    [property: Id(0)] string? KeyId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Period,
    [property: Id(3)] long? CapNanoUsd,
    [property: Id(4)] long? CapTokens,
    [property: Id(5)] string? TimeZone,
    [property: Id(6)] string Actor,
    [property: Id(7)] IReadOnlyList<int>? AlertPercents = null)
{
    /// <summary>Null when the settings are valid, otherwise the error code and what is wrong (the gateway and the grain both check).</summary>
    public (string Code, string Message)? Problem() =>
        !BudgetLimits.IsName(Name) ? (BudgetErrors.InvalidBudget, BudgetLimits.NameRule)
        : BudgetPeriod.Parse(Period) is null
            ? (BudgetErrors.InvalidPeriod, $"A budget's period is day, week (from Monday), month, 1h to {BudgetPeriod.MaxHours}h or 1d to {BudgetPeriod.MaxDays}d.")
        : CapNanoUsd is null && CapTokens is null ? (BudgetErrors.InvalidBudget, "A budget caps the cost (cap_nano_usd), the tokens (cap_tokens) or both.")
        : CapNanoUsd is < 0 or > Credits.MaxBalance || CapTokens is < 0 or > BudgetLimits.MaxCapTokens
            ? (BudgetErrors.InvalidBudget, $"A cost cap is 0 to {Credits.MaxBalance} nano-USD, a token cap 0 to {BudgetLimits.MaxCapTokens}; neither is negative.")
        : TimeZone is not null && TimeZones.Find(TimeZone) is null
            ? (Accounts.AccountErrors.InvalidTimeZone, $"'{TimeZone}' is not an IANA time zone such as Europe/Berlin (null: the account's zone).")
        : AlertPercents is { } percents && (percents.Count > BudgetLimits.MaxAlertPercents || percents.Any(percent => percent is < 1 or > 100))
            ? (BudgetErrors.InvalidBudget, $"alert_percents lists at most {BudgetLimits.MaxAlertPercents} percentages of 1 to 100 ([] for no alerts, null for 80, 95 and 100).")
        : null;
}

/// <summary>Deletes budget <see cref="Name"/> of the account, or of its key <see cref="KeyId"/>; deleting one that is not there changes nothing.</summary>
[GenerateSerializer, Immutable]
public sealed record DeleteBudget([property: Id(0)] string? KeyId, [property: Id(1)] string Name, [property: Id(2)] string Actor);

/// <summary>The budgets of the account (<see cref="KeyId"/> null) or of one of its keys, as they stand.</summary>
[GenerateSerializer, Immutable]
public sealed record GetBudgets([property: Id(0)] string? KeyId);

/// <summary>
/// One budget as it stands now. <see cref="SpentNanoUsd"/> and <see cref="SpentTokens"/> count what the period settled plus
/// what its open requests hold (the worst case each may cost); <see cref="ResetsAt"/> is the period's end.
/// </summary>
/// <param name="Owner"><c>account</c> or <c>key</c>.</param>
[GenerateSerializer, Immutable]
public sealed record BudgetState(
    [property: Id(0)] string Owner,
    [property: Id(1)] string OwnerId,
    [property: Id(2)] string Name,
    [property: Id(3)] string Period,
    [property: Id(4)] string TimeZone,
    [property: Id(5)] long? CapNanoUsd,
    [property: Id(6)] long? CapTokens,
    [property: Id(7)] long SpentNanoUsd,
    [property: Id(8)] long SpentTokens,
    [property: Id(9)] long HeldNanoUsd,
    [property: Id(10)] long HeldTokens,
    [property: Id(11)] DateTimeOffset PeriodStart,
    [property: Id(12)] DateTimeOffset ResetsAt,
    [property: Id(13)] DateTimeOffset SetAt,
    [property: Id(14)] string SetBy,
    [property: Id(15)] IReadOnlyList<int>? AlertPercents = null)
{
    public long? RemainingNanoUsd => CapNanoUsd - SpentNanoUsd;

    public long? RemainingTokens => CapTokens - SpentTokens;

    /// <summary>How an answer names it: <c>account/daily</c>, <c>key/daily</c>.</summary>
    public string Source => $"{Owner}/{Name}";
}

public static class BudgetOwners
{
    public const string Account = "account";
    public const string Key = "key";
}

/// <summary>Error codes of budget settings.</summary>
public static class BudgetErrors
{
    public const string InvalidBudget = "invalid_budget";
    public const string InvalidPeriod = "invalid_period";
    public const string TooManyBudgets = "too_many_budgets";
    public const string NotFound = "budget_not_found";
}

/// <summary>Bounds of budgets, checked by the grain and by the gateway.</summary>
public static class BudgetLimits
{
    public const int MaxPerOwner = 8;

    /// <summary>Budgets of one account and all its keys together: they are kept in the account's row.</summary>
    public const int MaxPerAccount = 10_000;

    public const long MaxCapTokens = 1_000_000_000_000_000;

    public const int MaxAlertPercents = 10;

    /// <summary>The percentages of its cap at which a budget alerts when none are set.</summary>
    public static readonly IReadOnlyList<int> DefaultAlertPercents = [80, 95, 100];

    public const string NameRule = "A budget's name is 1 to 64 characters of a-z, 0-9, - and _ (daily, month-usd).";

    /// <summary>A budget's name: 1 to 64 of a-z, 0-9, <c>-</c> and <c>_</c> (<c>daily</c>, <c>month-usd</c>).</summary>
    public static bool IsName(string? name) =>
        name is { Length: >= 1 and <= 64 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');
}
