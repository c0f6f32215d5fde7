using System.ComponentModel;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Alerts;

namespace Tollgate.Gateway.Admin;

/// <summary>Admin API for an account's balance alerts; budgets carry their own percentages (see <see cref="BudgetEndpoints"/>).</summary>
public static class AlertEndpoints
{
    public static void MapAlertAdmin(this IEndpointRouteBuilder admin)
    {
        var alerts = admin.MapGroup("").Documented(ApiDocs.AdminTag).Secured(ApiDocs.AdminToken);
        alerts.MapGet("/accounts/{accountId}/alerts", async (string accountId, IGrainFactory grains) =>
                Results.Ok((await grains.Account(Ids.Account(accountId)).Get(new GetAccount(0, null))).Alerts))
            .WithSummary("Get an account's balance alerts")
            .WithDescription("The thresholds as set, or the defaults: no low-balance threshold, depleted on, grants expiring within 7 days.")
            .Produces<AlertSettings>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        alerts.MapPut("/accounts/{accountId}/alerts", SetAsync)
            .WithSummary("Set an account's balance alerts")
            .WithDescription("Replaces them (a field left out takes its default). Each is sent to the webhooks once per crossing, written in the same commit as "
                + "the change that crossed it: balance.low when a ledger entry takes the balance below low_balance_below_nano_usd, balance.depleted when "
                + "one takes it to zero or less, grant.expiring when a grant with something left is grant_expiring_days or less from its expiry.")
            .Body<AlertsBody>()
            .Produces<AlertSettings>()
            .Errors(StatusCodes.Status404NotFound).ClusterErrors();
    }

    private static async Task<IResult> SetAsync(string accountId, AlertsBody body, IGrainFactory grains)
    {
        var alerts = new AlertSettings(body.LowBalanceBelowNanoUsd, body.Depleted ?? AlertSettings.Default.Depleted, body.GrantExpiringDays);
        return Results.Ok((await grains.SetAlertsAsync(Ids.Account(accountId), alerts, body.Actor ?? "admin")).Alerts);
    }
}

// Request bodies: each binds its handler's parameter (JsonBody reads the fields below, in this order, and refuses any other) and
// describes it in the OpenAPI document.

public sealed record AlertsBody : ApiDocs.IStrictJsonBody
{
    [Description("balance.low when the balance falls below this many nano-USD; null or left out: none.")]
    public long? LowBalanceBelowNanoUsd { get; init; }

    [Description("balance.depleted when the balance falls to zero or less; true by default.")]
    public bool? Depleted { get; init; }

    [Description("grant.expiring this many days (1 to 366) before a grant with something left expires; 7 when left out, null for none.")]
    public int? GrantExpiringDays { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<AlertsBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new AlertsBody
    {
        LowBalanceBelowNanoUsd = body.OptionalSignedCount("low_balance_below_nano_usd", long.MaxValue),
        Depleted = body.OptionalBoolean("depleted"),
        // Left out is the default; null is none.
        GrantExpiringDays = body.Has("grant_expiring_days") ? (int?)body.OptionalSignedCount("grant_expiring_days", int.MaxValue) : AlertSettings.Default.GrantExpiringDays,
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}
