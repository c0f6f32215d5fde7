using System.Globalization;

namespace Tollgate.Grains.Budgets;

public enum PeriodUnit
{
    /// <summary>A calendar day, from local midnight.</summary>
    Day,

    /// <summary>A calendar week, from Monday's local midnight.</summary>
    Week,

    /// <summary>A calendar month, from the first day's local midnight.</summary>
    Month,

    /// <summary>Rolling: consecutive spans of <see cref="BudgetPeriod.Length"/> hours from the budget's anchor.</summary>
    Hours,

    /// <summary>Rolling: consecutive spans of <see cref="BudgetPeriod.Length"/> days (24 hours each) from the budget's anchor.</summary>
    Days,
}

/// <summary>One period of a budget: what it counts from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive).</summary>
public readonly record struct PeriodWindow(DateTimeOffset Start, DateTimeOffset End)
{
    public bool Contains(DateTimeOffset instant) => instant >= Start && instant < End;
}

/// <summary>
/// How a budget's spend resets: calendar-aligned in a time zone (<c>day</c>, <c>week</c> from Monday, <c>month</c>), or
/// rolling spans of N hours or days from an anchor (<c>12h</c>, <c>30d</c>). The period holding an instant is computed
/// from the instant alone, so a reset cannot be missed the way a timer can: a spend keyed by its period's start belongs
/// to the next period as soon as the clock reaches it. Calendar periods follow the zone's clock, so a day in which
/// daylight saving time starts lasts 23 hours and one in which it ends 25.
/// </summary>
[GenerateSerializer]
public sealed record BudgetPeriod([property: Id(0)] PeriodUnit Unit, [property: Id(1)] int Length = 1)
{
    public const int MaxHours = 24 * 366;
    public const int MaxDays = 366;

    /// <summary>The period in its text form: <c>day</c>, <c>week</c>, <c>month</c>, <c>{N}h</c> or <c>{N}d</c>.</summary>
    public override string ToString() => Unit switch
    {
        PeriodUnit.Hours => $"{Length}h",
        PeriodUnit.Days => $"{Length}d",
        _ => Unit.ToString().ToLowerInvariant(),
    };

    /// <summary>Reads the text form; null when it is none (see <see cref="ToString"/>).</summary>
    public static BudgetPeriod? Parse(string? text)
    {
        switch (text)
        {
            case "day": return new(PeriodUnit.Day);
            case "week": return new(PeriodUnit.Week);
            case "month": return new(PeriodUnit.Month);
            case null or { Length: < 2 or > 5 }: return null;
        }
        if (!int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 1) return null;
        return text[^1] switch
        {
            'h' when length <= MaxHours => new(PeriodUnit.Hours, length),
            'd' when length <= MaxDays => new(PeriodUnit.Days, length),
            _ => null,
        };
    }

    /// <summary>Whether the period follows a zone's calendar (else it rolls from an anchor).</summary>
    public bool IsCalendar => Unit is PeriodUnit.Day or PeriodUnit.Week or PeriodUnit.Month;

    /// <summary>The period that holds <paramref name="instant"/>: calendar ones in <paramref name="zone"/>, rolling ones counted from <paramref name="anchor"/>.</summary>
    public PeriodWindow WindowAt(DateTimeOffset instant, TimeZoneInfo zone, DateTimeOffset anchor)
    {
        if (!IsCalendar)
        {
            var span = (Unit == PeriodUnit.Hours ? TimeSpan.FromHours(Length) : TimeSpan.FromDays(Length)).Ticks;
            var elapsed = (instant - anchor).Ticks;
            var index = elapsed >= 0 ? elapsed / span : -((span - 1 - elapsed) / span); // floored: periods run both ways from the anchor
            var start = anchor.AddTicks(index * span);
            return new PeriodWindow(start, start.AddTicks(span));
        }
        var local = TimeZoneInfo.ConvertTime(instant, zone).DateTime;
        var first = Unit switch
        {
            PeriodUnit.Day => local.Date,
            PeriodUnit.Week => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
            _ => new DateTime(local.Year, local.Month, 1),
        };
        var next = Unit switch
        {
            PeriodUnit.Day => first.AddDays(1),
            PeriodUnit.Week => first.AddDays(7),
            _ => first.AddMonths(1),
        };
        return new PeriodWindow(InstantOf(first, zone), InstantOf(next, zone));
    }

    /// <summary>
    /// The instant a local midnight begins: its first occurrence when the clock goes back over it, and the first moment
    /// after the skipped hour when the clock jumps over it (zones that change at midnight, such as America/Santiago).
    /// </summary>
    private static DateTimeOffset InstantOf(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsAmbiguousTime(local)) return new DateTimeOffset(local, zone.GetAmbiguousTimeOffsets(local).Max());
        if (zone.IsInvalidTime(local)) return new DateTimeOffset(local - zone.GetUtcOffset(local.AddDays(-1)), TimeSpan.Zero);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
