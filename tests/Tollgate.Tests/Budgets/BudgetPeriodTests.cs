using Tollgate.Grains.Budgets;

namespace Tollgate.Tests.Budgets;

/// <summary>
/// A budget's period is computed from the instant alone, in the budget's zone: calendar periods begin at local midnight,
/// not an hour off across daylight saving time, and months end where the calendar says.
/// </summary>
public sealed class BudgetPeriodTests
{
    private static readonly DateTimeOffset Anchor = DateTimeOffset.Parse("2027-01-15T10:00:00Z");

    [Theory]
    // Berlin: summer time starts 2027-03-28 at 02:00 (a 23-hour day), ends 2027-10-31 at 03:00 (a 25-hour day).
    [InlineData("Europe/Berlin", "day", "2027-03-28T12:00:00Z", "2027-03-27T23:00:00Z", "2027-03-28T22:00:00Z")]
    [InlineData("Europe/Berlin", "day", "2027-03-27T23:00:00Z", "2027-03-27T23:00:00Z", "2027-03-28T22:00:00Z")]
    [InlineData("Europe/Berlin", "day", "2027-03-27T22:59:59Z", "2027-03-26T23:00:00Z", "2027-03-27T23:00:00Z")]
    [InlineData("Europe/Berlin", "day", "2027-10-31T12:00:00Z", "2027-10-30T22:00:00Z", "2027-10-31T23:00:00Z")]
    [InlineData("Europe/Berlin", "week", "2027-03-28T21:59:59Z", "2027-03-21T23:00:00Z", "2027-03-28T22:00:00Z")]
    [InlineData("Europe/Berlin", "week", "2027-03-28T22:00:00Z", "2027-03-28T22:00:00Z", "2027-04-04T22:00:00Z")]
    [InlineData("Europe/Berlin", "month", "2027-01-31T22:59:59Z", "2026-12-31T23:00:00Z", "2027-01-31T23:00:00Z")]
    [InlineData("Europe/Berlin", "month", "2027-01-31T23:00:00Z", "2027-01-31T23:00:00Z", "2027-02-28T23:00:00Z")]
    [InlineData("Europe/Berlin", "month", "2027-03-15T00:00:00Z", "2027-02-28T23:00:00Z", "2027-03-31T22:00:00Z")]
    [InlineData("Europe/Berlin", "month", "2028-02-29T12:00:00Z", "2028-01-31T23:00:00Z", "2028-02-29T23:00:00Z")]
    // New York: daylight time starts 2027-03-14 at 02:00, ends 2027-11-07 at 02:00.
    [InlineData("America/New_York", "day", "2027-03-14T12:00:00Z", "2027-03-14T05:00:00Z", "2027-03-15T04:00:00Z")]
    [InlineData("America/New_York", "day", "2027-11-07T12:00:00Z", "2027-11-07T04:00:00Z", "2027-11-08T05:00:00Z")]
    [InlineData("America/New_York", "month", "2027-04-01T03:59:59Z", "2027-03-01T05:00:00Z", "2027-04-01T04:00:00Z")]
    [InlineData("America/New_York", "month", "2027-04-01T04:00:00Z", "2027-04-01T04:00:00Z", "2027-05-01T04:00:00Z")]
    [InlineData("America/New_York", "week", "2027-03-15T03:59:59Z", "2027-03-08T05:00:00Z", "2027-03-15T04:00:00Z")]
    // Santiago skips its midnight (2026-09-06 00:00 becomes 01:00): that day starts at 01:00, the first moment it has.
    [InlineData("America/Santiago", "day", "2026-09-06T12:00:00Z", "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z")]
    // Havana repeats its midnight hour (2026-11-01 01:00 goes back to 00:00): that day starts at the first midnight.
    [InlineData("America/Havana", "day", "2026-11-01T12:00:00Z", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")]
    [InlineData("UTC", "day", "2027-06-01T00:00:00Z", "2027-06-01T00:00:00Z", "2027-06-02T00:00:00Z")]
    public void A_calendar_period_runs_from_local_midnight_to_local_midnight(string zone, string period, string at, string start, string end)
    {
        var window = BudgetPeriod.Parse(period)!.WindowAt(DateTimeOffset.Parse(at), TimeZones.Find(zone)!, Anchor);
        Assert.Equal((DateTimeOffset.Parse(start), DateTimeOffset.Parse(end)), (window.Start, window.End));
        Assert.True(window.Contains(DateTimeOffset.Parse(at)));
    }

    [Theory]
    [InlineData("30d", "2027-03-01T00:00:00Z", "2027-02-14T10:00:00Z", "2027-03-16T10:00:00Z")]
    [InlineData("30d", "2027-01-15T10:00:00Z", "2027-01-15T10:00:00Z", "2027-02-14T10:00:00Z")]
    [InlineData("12h", "2027-01-15T09:59:59Z", "2027-01-14T22:00:00Z", "2027-01-15T10:00:00Z")] // before the anchor, periods run back from it
    [InlineData("1h", "2027-01-16T03:30:00Z", "2027-01-16T03:00:00Z", "2027-01-16T04:00:00Z")]
    public void A_rolling_period_counts_whole_spans_from_the_anchor_whatever_the_zone(string period, string at, string start, string end)
    {
        foreach (var zone in new[] { "UTC", "Europe/Berlin", "America/New_York" })
        {
            var window = BudgetPeriod.Parse(period)!.WindowAt(DateTimeOffset.Parse(at), TimeZones.Find(zone)!, Anchor);
            Assert.Equal((DateTimeOffset.Parse(start), DateTimeOffset.Parse(end)), (window.Start, window.End));
        }
    }

    [Theory]
    [InlineData("day")]
    [InlineData("week")]
    [InlineData("month")]
    [InlineData("1h")]
    [InlineData("8784h")]
    [InlineData("366d")]
    public void A_period_reads_back_as_it_was_written(string text) => Assert.Equal(text, BudgetPeriod.Parse(text)!.ToString());

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Day")]
    [InlineData("0h")]
    [InlineData("8785h")]
    [InlineData("367d")]
    [InlineData("-1d")]
    [InlineData("+1d")]
    [InlineData("1 d")]
    [InlineData("1w")]
    [InlineData("１d")] // a full-width digit
    public void Anything_else_is_not_a_period(string? text) => Assert.Null(BudgetPeriod.Parse(text));

    [Theory]
    [InlineData("Europe/Berlin", true)]
    [InlineData("America/New_York", true)]
    [InlineData("UTC", true)]
    [InlineData("W. Europe Standard Time", false)] // a Windows id
    [InlineData("Mars/Olympus_Mons", false)]
    [InlineData("", false)]
    [InlineData("../../etc/passwd", false)]
    public void Only_iana_zone_ids_are_known(string id, bool known) => Assert.Equal(known, TimeZones.Find(id) is not null);

    [Fact]
    public void Consecutive_periods_meet_with_no_gap_and_no_overlap_across_two_years()
    {
        foreach (var zone in new[] { "Europe/Berlin", "America/New_York", "America/Santiago", "America/Havana", "Australia/Lord_Howe" })
        {
            foreach (var period in new[] { "day", "week", "month" })
            {
                var budget = BudgetPeriod.Parse(period)!;
                var window = budget.WindowAt(DateTimeOffset.Parse("2026-01-01T00:00:00Z"), TimeZones.Find(zone)!, Anchor);
                while (window.Start < DateTimeOffset.Parse("2028-01-01T00:00:00Z"))
                {
                    var next = budget.WindowAt(window.End, TimeZones.Find(zone)!, Anchor);
                    Assert.True(next.Start == window.End && next.End > next.Start, $"{zone} {period}: {window} then {next}");
                    Assert.Equal(window, budget.WindowAt(window.End.AddTicks(-1), TimeZones.Find(zone)!, Anchor));
                    window = next;
                }
            }
        }
    }
}
