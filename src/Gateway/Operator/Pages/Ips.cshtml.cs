using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Usage;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>Caller IPs: the top ones by requests and by denials over the last hour or day (a usage query grouped by <c>ip</c>).</summary>
public sealed class IpsModel(NpgsqlDataSource database, TimeProvider time) : PageModel
{
    public const int Top = 20;

    [BindProperty(SupportsGet = true)]
    public string Period { get; set; } = "day";

    public IReadOnlyList<UsageGroup> ByRequests { get; private set; } = [];
    public IReadOnlyList<UsageGroup> ByDenials { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var window = Period switch
        {
            "hour" => TimeSpan.FromHours(1),
            "day" => TimeSpan.FromDays(1),
            "week" => TimeSpan.FromDays(7),
            _ => throw ApiException.BadRequest("invalid_period", "The period is hour, day or week."),
        };
        var now = time.GetUtcNow();
        // Every caller IP of the window (up to 10,000), ranked here two ways.
        var report = await UsageQuery.Of(now - window, now, ["ip"], 10_000).RunAsync(database, HttpContext.RequestAborted);
        var ips = report.Groups.Where(g => g.Key["ip"] is not null).ToList();
        ByRequests = ips.OrderByDescending(g => g.Totals.Requests).ThenBy(g => g.Key["ip"], StringComparer.Ordinal).Take(Top).ToList();
        ByDenials = ips.Where(g => g.Totals.Denied > 0).OrderByDescending(g => g.Totals.Denied).ThenBy(g => g.Key["ip"], StringComparer.Ordinal).Take(Top).ToList();
    }
}
