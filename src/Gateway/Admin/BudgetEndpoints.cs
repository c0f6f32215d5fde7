using System.ComponentModel;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Budgets;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Admin API for budgets: caps on what an account, or one of its keys, may spend (nano-USD) or use (tokens) per period.
/// The account's grain keeps them all, its keys' included, so one authorize checks credit and every budget at once.
/// </summary>
public static class BudgetEndpoints
{
    private const string Rules = "A budget caps the cost (cap_nano_usd), the tokens (cap_tokens) or both, per period: day, week (from Monday) or month "
        + "from local midnight in time_zone (the account's zone when null, UTC when it has none), or rolling spans of N hours or days (12h, 30d) from when it was first set. "
        + "A new budget, or one whose period or zone changed, counts what its current period has already spent. A request over budget is denied: "
        + "402 insufficient_quota, code budget_exceeded at the proxy; allowed=false, reason budget_exceeded at authorize. "
        + "When the period's settled spend reaches one of alert_percents of a cap, a budget.threshold_crossed alert goes to the webhooks, once a period.";

    public static void MapBudgetAdmin(this IEndpointRouteBuilder admin)
    {
        var budgets = admin.MapGroup("").Documented(ApiDocs.AdminTag).Secured(ApiDocs.AdminToken);
        budgets.MapGet("/accounts/{accountId}/budgets", (string accountId, IGrainFactory grains) => ListAsync(grains, Ids.Account(accountId), null))
            .WithSummary("List an account's budgets")
            .WithDescription("Each with what its current period has spent (settled, plus what open requests hold) and when it resets.")
            .Produces<IReadOnlyList<BudgetState>>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        budgets.MapPut("/accounts/{accountId}/budgets/{name}", (string accountId, string name, BudgetBody body, IGrainFactory grains) =>
                SetAsync(grains, Ids.Account(accountId), null, name, body))
            .WithSummary("Set a budget of an account")
            .WithDescription(Rules)
            .Body<BudgetBody>()
            .Produces<BudgetState>()
            .Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).ClusterErrors();
        budgets.MapDelete("/accounts/{accountId}/budgets/{name}", (string accountId, string name, IGrainFactory grains) =>
                DeleteAsync(grains, Ids.Account(accountId), null, name))
            .WithSummary("Delete a budget of an account")
            .WithDescription("Requests no longer count against it; 404 budget_not_found when the account has no budget of that name.")
            .Produces(StatusCodes.Status204NoContent)
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        budgets.MapGet("/keys/{keyId}/budgets", async (string keyId, IGrainFactory grains) => await ListAsync(grains, await AccountOfAsync(grains, keyId), keyId))
            .WithSummary("List an API key's budgets")
            .WithDescription("A request with the key counts against these and against its account's.")
            .Produces<IReadOnlyList<BudgetState>>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        budgets.MapPut("/keys/{keyId}/budgets/{name}", async (string keyId, string name, BudgetBody body, IGrainFactory grains) =>
                await SetAsync(grains, await AccountOfAsync(grains, keyId), keyId, name, body))
            .WithSummary("Set a budget of an API key")
            .WithDescription(Rules)
            .Body<BudgetBody>()
            .Produces<BudgetState>()
            .Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).ClusterErrors();
        budgets.MapDelete("/keys/{keyId}/budgets/{name}", async (string keyId, string name, IGrainFactory grains) =>
                await DeleteAsync(grains, await AccountOfAsync(grains, keyId), keyId, name))
            .WithSummary("Delete a budget of an API key")
            .WithDescription("Requests with the key no longer count against it; 404 budget_not_found when the key has no budget of that name.")
            .Produces(StatusCodes.Status204NoContent)
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains, string accountId, string? keyId) =>
        Results.Ok(await grains.Account(accountId).GetBudgets(new GetBudgets(keyId)));

    private static async Task<IResult> SetAsync(IGrainFactory grains, string accountId, string? keyId, string name, BudgetBody body)
    {
        var budget = new SetBudget(keyId, Name(name), body.Period, body.CapNanoUsd, body.CapTokens, body.TimeZone, body.Actor ?? "admin", body.AlertPercents);
        return Results.Ok(await grains.SetBudgetAsync(accountId, budget));
    }

    private static async Task<IResult> DeleteAsync(IGrainFactory grains, string accountId, string? keyId, string name)
    {
        await grains.DeleteBudgetAsync(accountId, keyId, name, "admin");
        return Results.NoContent();
    }

    private static string Name(string name) => BudgetLimits.IsName(name) ? name : throw ApiException.BadRequest(BudgetErrors.InvalidBudget, BudgetLimits.NameRule);

    /// <summary>The account a key belongs to: its budgets are kept by the account (key_not_found if there is no such key).</summary>
    private static async Task<string> AccountOfAsync(IGrainFactory grains, string keyId) => (await grains.ApiKey(Ids.Key(keyId)).Get()).AccountId;
}

// Request bodies: each binds its handler's parameter (JsonBody reads the fields below, in this order, and refuses any other) and
// describes it in the OpenAPI document.

public sealed record BudgetBody : ApiDocs.IStrictJsonBody
{
    [Description("Required: day, week, month, or rolling 1h to 8784h or 1d to 366d.")]
    public required string Period { get; init; }

    [Description("The most the period may cost, in nano-USD (0 or more). At least one cap is required.")]
    public long? CapNanoUsd { get; init; }

    [Description("The most tokens (input plus output) the period may use (0 or more).")]
    public long? CapTokens { get; init; }

    [Description("An IANA zone for calendar periods (Europe/Berlin); null: the account's zone.")]
    public string? TimeZone { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    [Description("Percentages of a cap (1 to 100, at most 10) whose crossing by the period's settled spend sends a budget.threshold_crossed alert; "
        + "null: 80, 95 and 100; []: none.")]
    public IReadOnlyList<int>? AlertPercents { get; init; }

    public static ValueTask<BudgetBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new BudgetBody
    {
        Period = body.RequiredString("period", 10),
        CapNanoUsd = body.OptionalAmount("cap_nano_usd", Credits.MaxBalance, allowNegative: true),
        CapTokens = body.OptionalSignedCount("cap_tokens", BudgetLimits.MaxCapTokens),
        TimeZone = body.OptionalString("time_zone", 64),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
        AlertPercents = body.OptionalIntegerList("alert_percents"),
    });
}
