using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Alerts;
using Tollgate.Grains.Budgets;
using Tollgate.Grains.Grants;
using Tollgate.Grains.Keys;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// The spend-control writes the operator pages make (budgets, grants, balance alerts, time zone, a key's models): each
/// checks its input with the same rules, codes and messages as its admin API endpoint (the messages' own
/// <c>Problem</c> checks), then makes the one grain call the endpoint makes. Nothing reaches a grain unchecked.
/// </summary>
internal static class SpendCommands
{
    /// <summary>Sets a budget of the account, or of its key <see cref="SetBudget.KeyId"/> (which must be the account's).</summary>
    public static async Task<BudgetState> SetBudgetAsync(this IGrainFactory grains, string accountId, SetBudget budget)
    {
        Ids.Account(accountId);
        AdminCommands.Text("actor", budget.Actor, AdminCommands.MaxActor);
        if (budget.Problem() is { } problem) throw ApiException.BadRequest(problem.Code, problem.Message);
        await KeyOfAccountAsync(grains, accountId, budget.KeyId);
        return await grains.Account(accountId).SetBudget(budget);
    }

    /// <summary>Deletes a budget of the account or of its key; 404 <c>budget_not_found</c> when there is none of that name.</summary>
    public static async Task DeleteBudgetAsync(this IGrainFactory grains, string accountId, string? keyId, string name, string actor)
    {
        Ids.Account(accountId);
        if (!BudgetLimits.IsName(name)) throw ApiException.BadRequest(BudgetErrors.InvalidBudget, BudgetLimits.NameRule);
        await KeyOfAccountAsync(grains, accountId, keyId);
        if (!await grains.Account(accountId).DeleteBudget(new DeleteBudget(keyId, name, actor)))
            throw new ApiException(StatusCodes.Status404NotFound, BudgetErrors.NotFound, $"There is no budget '{name}' here.");
    }

    /// <summary>Grants credit, once per grant id.</summary>
    public static Task<GrantView> CreateGrantAsync(this IGrainFactory grains, string accountId, CreateGrant grant, DateTimeOffset now)
    {
        Ids.Account(accountId);
        AdminCommands.Text("actor", grant.Actor, AdminCommands.MaxActor);
        if (grant.Reason is { Length: > 0 } reason) AdminCommands.Text("reason", reason, AdminCommands.MaxReason);
        if (grant.Problem(now) is { } problem) throw ApiException.BadRequest(problem.Code, problem.Message);
        return grains.Account(accountId).CreateGrant(grant);
    }

    /// <summary>Voids a grant nothing was drawn from (<c>409 grant_used</c> otherwise, from the grain).</summary>
    public static Task<GrantView> VoidGrantAsync(this IGrainFactory grains, string accountId, string grantId, string actor)
    {
        Ids.Account(accountId);
        if (!GrantRules.IsId(grantId)) throw ApiException.BadRequest(GrantErrors.InvalidGrant, GrantRules.IdRule);
        return grains.Account(accountId).VoidGrant(new VoidGrant(grantId, actor));
    }

    /// <summary>Sets the account's IANA time zone; null is UTC.</summary>
    public static Task<AccountSnapshot> SetTimeZoneAsync(this IGrainFactory grains, string accountId, string? zone, string actor)
    {
        Ids.Account(accountId);
        if (zone is not null && (zone.Length > 64 || TimeZones.Find(zone) is null))
            throw ApiException.BadRequest(AccountErrors.InvalidTimeZone, $"'{Shown(zone)}' is not an IANA time zone such as Europe/Berlin (or null for UTC).");
        return grains.Account(accountId).SetTimeZone(new SetAccountTimeZone(zone, actor));
    }

    /// <summary>Replaces the account's balance alerts.</summary>
    public static Task<AccountSnapshot> SetAlertsAsync(this IGrainFactory grains, string accountId, AlertSettings alerts, string actor)
    {
        Ids.Account(accountId);
        if (alerts.Problem() is { } problem) throw ApiException.BadRequest(AlertErrors.InvalidAlerts, problem);
        return grains.Account(accountId).SetAlerts(new SetAlerts(alerts, actor));
    }

    /// <summary>Sets the models a key may use (null: every model).</summary>
    public static Task<KeyModelsView> SetKeyModelsAsync(this IGrainFactory grains, string keyId, IReadOnlyList<string>? models, string actor)
    {
        Ids.Key(keyId);
        if (ModelAccess.Problem(models) is { } problem) throw new ApiException(StatusCodes.Status400BadRequest, ApiKeyErrors.InvalidModelPattern, problem, "models");
        return grains.ApiKey(keyId).SetModels(new SetKeyModels(models, actor));
    }

    /// <summary>A key's budgets are kept by its account: the key must be that account's (key_not_found when there is no such key).</summary>
    private static async Task KeyOfAccountAsync(IGrainFactory grains, string accountId, string? keyId)
    {
        if (keyId is null) return;
        if ((await grains.ApiKey(Ids.Key(keyId)).Get()).AccountId != accountId)
            throw ApiException.BadRequest("invalid_key_id", "That key is not this account's.");
    }

    /// <summary>Typed input as an error message shows it: bounded, without control characters.</summary>
    private static string Shown(string text) => new string([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]) + (text.Length > 64 ? "…" : "");
}
