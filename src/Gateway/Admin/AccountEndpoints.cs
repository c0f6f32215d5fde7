using System.Text.RegularExpressions;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Admin API for accounts: create, read (balance, holds, a page of the ledger) and adjust credits.
/// Amounts are integers of nano-USD (1 USD = 1,000,000,000).
/// </summary>
public static partial class AccountEndpoints
{
    private const int DefaultLedgerPage = 20;

    public static void MapAccountAdmin(this IEndpointRouteBuilder admin)
    {
        admin.MapPost("/accounts", CreateAsync);
        admin.MapGet("/accounts", ListAsync);
        admin.MapGet("/accounts/{accountId}/keys", ListKeysAsync);
        admin.MapGet("/accounts/{accountId}", GetAsync);
        admin.MapPost("/accounts/{accountId}/adjustments", AdjustAsync);
        admin.MapPost("/accounts/{accountId}/trial", GrantTrialAsync);
        admin.MapPut("/accounts/{accountId}/status", SetStatusAsync);
    }

    /// <summary>Grants a trial (replacing any earlier one): credit, tokens and/or requests until <c>expires_at</c>.</summary>
    private static async Task<IResult> GrantTrialAsync(string accountId, HttpRequest request, IGrainFactory grains)
    {
        ValidAccountId(accountId);
        using var body = await JsonBody.ReadAsync(request);
        var credit = body.OptionalAmount("credit", Credits.MaxAmount, allowNegative: false);
        var tokens = body.OptionalCount("tokens", Grains.Limits.LimitSettings.MaxRate);
        var requests = body.OptionalCount("requests", Grains.Limits.LimitSettings.MaxRate);
        var expiresAt = body.OptionalTimestamp("expires_at") ?? throw ApiException.BadRequest("missing_field", "'expires_at' is required.");
        var actor = body.OptionalString("actor", 200) ?? "admin";
        body.RejectUnknownFields();
        var account = await grains.Account(accountId).GrantTrial(new GrantTrial(credit, tokens, requests, expiresAt.ToUniversalTime(), actor));
        return Results.Ok(account);
    }

    /// <summary>Suspends ("suspended": every authorize is denied) or reactivates ("active") an account.</summary>
    private static async Task<IResult> SetStatusAsync(string accountId, HttpRequest request, IGrainFactory grains)
    {
        ValidAccountId(accountId);
        using var body = await JsonBody.ReadAsync(request);
        var status = body.RequiredString("status", 20);
        var actor = body.OptionalString("actor", 200) ?? "admin";
        body.RejectUnknownFields();
        return Results.Ok(await grains.SetAccountStatusAsync(accountId, status, actor));
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IGrainFactory grains)
    {
        using var body = await JsonBody.ReadAsync(request);
        var accountId = ValidAccountId(body.RequiredIdentifier("account_id", 128));
        var overdraft = body.OptionalAmount("overdraft_limit", Credits.MaxAmount, allowNegative: false) ?? 0;
        var initialCredit = body.OptionalAmount("initial_credit", Credits.MaxAmount, allowNegative: false) ?? 0;
        var actor = body.OptionalString("actor", 200) ?? "admin";
        body.RejectUnknownFields();

        await grains.Account(accountId).Create(new CreateAccount(overdraft, initialCredit, actor));
        // Answered as GET answers it, with the ledger the creation wrote (the initial credit).
        var account = await grains.Account(accountId).Get(new GetAccount(DefaultLedgerPage, null));
        return Results.Created($"/admin/accounts/{Uri.EscapeDataString(accountId)}", account);
    }

    /// <summary>Accounts in id order: <c>prefix</c> (an id prefix), <c>after</c> (the previous page's <c>next_after</c>), <c>limit</c> (1-500, 100).</summary>
    private static async Task<IResult> ListAsync(HttpRequest request, AdminListings listings)
    {
        var prefix = QueryText(request, "prefix");
        var after = QueryText(request, "after");
        if (prefix is not null && !IsAccountId(prefix)) throw ApiException.BadRequest("invalid_query", "'prefix' must be the start of an account id (letters, digits and . _ : @ -).");
        if (after is not null && !IsAccountId(after)) throw ApiException.BadRequest("invalid_query", "'after' must be an account id.");
        var limit = QueryInt(request, "limit", 1, AdminListings.MaxPage) ?? 100;
        return Results.Ok(await listings.AccountsAsync(prefix, after, (int)limit));
    }

    private static async Task<IResult> ListKeysAsync(string accountId, IGrainFactory grains, AdminListings listings)
    {
        ValidAccountId(accountId);
        await grains.Account(accountId).Get(new GetAccount(0, null)); // account_not_found otherwise
        return Results.Ok(await listings.KeysAsync(accountId));
    }

    private static string? QueryText(HttpRequest request, string name)
    {
        var values = request.Query[name];
        if (values.Count > 1) throw ApiException.BadRequest("invalid_query", $"Query parameter '{name}' is given more than once.");
        return values.Count == 0 || values[0] is not { Length: > 0 } text ? null : text;
    }

    private static async Task<IResult> GetAsync(string accountId, HttpRequest request, IGrainFactory grains)
    {
        ValidAccountId(accountId);
        var limit = QueryInt(request, "ledger_limit", 0, AccountLimits.MaxLedgerPage) ?? DefaultLedgerPage;
        var before = QueryInt(request, "ledger_before", 1, long.MaxValue);
        var account = await grains.Account(accountId).Get(new GetAccount((int)limit, before));
        return Results.Ok(account);
    }

    private static async Task<IResult> AdjustAsync(string accountId, HttpRequest request, IGrainFactory grains)
    {
        ValidAccountId(accountId);
        using var body = await JsonBody.ReadAsync(request);
        var amount = body.RequiredAmount("amount", Credits.MaxAmount, allowNegative: true);
        if (amount == 0) throw ApiException.BadRequest("invalid_amount", "'amount' must not be zero.");
        var reason = body.RequiredString("reason", AdminCommands.MaxReason);
        var actor = body.RequiredString("actor", 200);
        var key = body.OptionalString("idempotency_key", AdminCommands.MaxIdempotencyKey) ?? NullIfEmpty(request.Headers["Idempotency-Key"].ToString())
            ?? throw ApiException.BadRequest("missing_idempotency_key", "An adjustment needs an 'idempotency_key' field or an Idempotency-Key header, so a retry cannot apply it twice.");
        body.RejectUnknownFields();

        return Results.Ok(await grains.AdjustCreditAsync(accountId, amount, reason, actor, key));
    }

    internal static bool IsAccountId(string? accountId) => accountId is not null && AccountIdPattern().IsMatch(accountId);

    internal static string ValidAccountId(string accountId) =>
        IsAccountId(accountId) ? accountId
        : throw ApiException.BadRequest("invalid_account_id", "An account id is 1 to 128 characters of letters, digits and . _ : @ -");

    private static long? QueryInt(HttpRequest request, string name, long min, long max)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0) return null;
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw ApiException.BadRequest("invalid_query", $"Query parameter '{name}' must be an integer from {min} to {max}.");
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    [GeneratedRegex("^[A-Za-z0-9._:@-]{1,128}\\z")]
    private static partial Regex AccountIdPattern();
}
