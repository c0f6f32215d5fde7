using System.Globalization;
using Tollgate.Gateway.Operator.Html;
using Tollgate.Gateway.Usage;

namespace Tollgate.Gateway.Operator;

/// <summary>Time series for the charts, from usage queries grouped by a time bucket (<c>hour</c> or <c>day</c>), gaps filled with zeros.</summary>
internal static class UsageSeries
{
    public static DateTimeOffset HourStart(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The last <paramref name="hours"/> hours up to the current one: a query grouped by <c>hour</c>.</summary>
    public static UsageQuery HourlyQuery(DateTimeOffset now, int hours, IReadOnlyDictionary<string, string>? filters = null) =>
        UsageQuery.Of(HourStart(now).AddHours(1 - hours), now, ["hour"], hours + 1, filters);

    /// <summary>The last <paramref name="days"/> UTC days up to today: a query grouped by <c>day</c>.</summary>
    public static UsageQuery DailyQuery(DateTimeOffset now, int days, IReadOnlyDictionary<string, string>? filters = null) =>
        UsageQuery.Of(new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1 - days), now, ["day"], days + 1, filters);

    /// <summary>One point per bucket from the query's start to its end, oldest first.</summary>
    public static IReadOnlyList<ChartPoint> Points(UsageReport report, Func<UsageTotals, long> value)
    {
        var bucket = report.GroupBy.Single();
        var step = bucket == "day" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        var byStart = report.Groups.ToDictionary(g => g.Key[bucket] ?? "", g => g.Totals, StringComparer.Ordinal);
        var points = new List<ChartPoint>();
        for (var start = report.Since; start < report.Until; start += step)
        {
            var key = start.UtcDateTime.ToString("yyyy-MM-dd'T'HH':00:00Z'", CultureInfo.InvariantCulture);
            var label = bucket == "day" ? start.UtcDateTime.ToString("MMM d", CultureInfo.InvariantCulture) : start.UtcDateTime.ToString("MMM d HH':00' 'UTC'", CultureInfo.InvariantCulture);
            points.Add(new ChartPoint(label, byStart.TryGetValue(key, out var totals) ? value(totals) : 0));
        }
        return points;
    }
}
