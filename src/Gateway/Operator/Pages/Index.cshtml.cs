using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Operator.Html;
using Tollgate.Gateway.Usage;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>
/// The overview: requests and denials by reason over the last minute, hour and day, spend per hour, top accounts by
/// spend, estimated and unpriced counts (usage queries), the silos and their activations (Orleans' management grain).
/// </summary>
public sealed class IndexModel(NpgsqlDataSource database, AdminListings listings, IGrainFactory grains, TimeProvider time) : PageModel
{
    public UsageReport LastMinute { get; private set; } = null!;
    public UsageReport LastHour { get; private set; } = null!;
    public UsageReport LastDay { get; private set; } = null!;
    public IReadOnlyList<ChartPoint> SpendPerHour { get; private set; } = [];
    public IReadOnlyList<ChartPoint> RequestsPerHour { get; private set; } = [];
    public IReadOnlyList<ChartPoint> TopAccounts { get; private set; } = [];
    public IReadOnlyList<string> UnpricedModels { get; private set; } = [];
    public ClusterView Cluster { get; private set; } = null!;

    /// <summary>The denials of the last day by reason, most first.</summary>
    public IReadOnlyList<ChartPoint> DenialsByReason(UsageReport report) =>
        report.Groups.Where(g => g.Key["denial"] is not null).Select(g => new ChartPoint(g.Key["denial"]!, g.Totals.Requests))
            .OrderByDescending(p => p.Value).ToList();

    public async Task OnGetAsync()
    {
        var cancel = HttpContext.RequestAborted;
        var now = time.GetUtcNow();
        LastMinute = await UsageQuery.Of(now.AddMinutes(-1), now, [], 1).RunAsync(database, cancel);
        LastHour = await UsageQuery.Of(now.AddHours(-1), now, ["denial"], 100).RunAsync(database, cancel);
        LastDay = await UsageQuery.Of(now.AddDays(-1), now, ["denial"], 100).RunAsync(database, cancel);
        var hourly = await UsageSeries.HourlyQuery(now, 24).RunAsync(database, cancel);
        SpendPerHour = UsageSeries.Points(hourly, t => t.Cost);
        RequestsPerHour = UsageSeries.Points(hourly, t => t.Requests);
        var top = await UsageQuery.Of(now.AddDays(-1), now, ["account"], 10).RunAsync(database, cancel);
        TopAccounts = top.Groups.Where(g => g.Key["account"] is not null).Select(g => new ChartPoint(g.Key["account"]!, g.Totals.Cost)).ToList();
        var priced = (await listings.RoutedModelsAsync(pricedOnly: true)).Select(m => m.Model).ToHashSet(StringComparer.Ordinal);
        UnpricedModels = (await listings.RoutedModelsAsync(pricedOnly: false)).Select(m => m.Model).Where(m => !priced.Contains(m)).ToList();
        Cluster = await ClusterView.ReadAsync(grains);
    }
}
