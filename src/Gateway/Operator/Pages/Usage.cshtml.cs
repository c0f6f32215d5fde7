using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using Tollgate.Gateway.Operator.Html;
using Tollgate.Gateway.Usage;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>
/// The usage explorer: the query string is <c>GET /api/usage</c>'s (period or since/until, group_by, filters, limit),
/// read by the same parser and run by the same query; shown as a chart and a table.
/// </summary>
public sealed class UsageModel(NpgsqlDataSource database, TimeProvider time) : PageModel
{
    public UsageReport Report { get; private set; } = null!;
    public string GroupBy => string.Join(",", Report.GroupBy);
    public string? Period => Request.Query["period"].FirstOrDefault();

    /// <summary>The chart: a time series (spend per bucket) when grouped by hour or day alone, else spend per group, most first.</summary>
    public IReadOnlyList<ChartPoint> Chart { get; private set; } = [];
    public bool IsTimeSeries { get; private set; }

    public async Task OnGetAsync()
    {
        Report = await UsageQuery.Parse(Request.Query, time.GetUtcNow()).RunAsync(database, HttpContext.RequestAborted);
        IsTimeSeries = Report.GroupBy is ["hour"] or ["day"];
        Chart = IsTimeSeries
            ? Report.Groups.OrderBy(g => g.Key[Report.GroupBy[0]], StringComparer.Ordinal).Select(g => new ChartPoint(g.Key[Report.GroupBy[0]] ?? "", g.Totals.Cost)).ToList()
            : Report.Groups.Take(20).Select(g => new ChartPoint(Label(g), g.Totals.Cost)).ToList();
    }

    public static string Label(UsageGroup group) => string.Join(" · ", group.Key.Select(k => k.Value ?? "(none)"));
}
