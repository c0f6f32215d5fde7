using System.ComponentModel;
using Microsoft.OpenApi;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Admin API for accounts: create, read (balance, holds, a page of the ledger) and adjust credits.
/// Amounts are integers of nano-USD (1 USD = 1,000,000,000).
/// </summary>
public static class AccountEndpoints
{
    private const int DefaultLedgerPage = 20;

    public static void MapAccountAdmin(this IEndpointRouteBuilder admin)
    {
        var accounts = admin.MapGroup("").Documented(ApiDocs.AdminTag).Secured(ApiDocs.AdminToken);
        accounts.MapPost("/accounts", CreateAsync)
            .WithSummary("Create an account")
            .WithDescription("Answers the account as GET answers it, with the ledger the creation wrote (the initial credit). "
                + "Creating an account again with the same settings answers it again; with other settings it is a 409 account_exists.")
            .Body<CreateAccountBody>()
            .Produces<AccountSnapshot>(StatusCodes.Status201Created)
            .Errors(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity).ClusterErrors();
        accounts.MapGet("/accounts", ListAsync)
            .WithSummary("List accounts")
            .WithDescription("Accounts in id order, as PostgreSQL has committed them (what a grain has not committed yet is not listed).")
            .Query("prefix", JsonSchemaType.String, "Only accounts whose id starts with this.")
            .Query("after", JsonSchemaType.String, "The previous page's next_after.")
            .Query("limit", JsonSchemaType.Integer, $"Page size, 1 to {AdminListings.MaxPage}; 100 by default.")
            .Produces<AccountList>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable);
        accounts.MapGet("/accounts/{accountId}/keys", ListKeysAsync)
            .WithSummary("List an account's API keys")
            .WithDescription("Newest first, revoked ones included; never the keys themselves.")
            .Produces<ApiKeyList>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        accounts.MapGet("/accounts/{accountId}", GetAsync)
            .WithSummary("Get an account")
            .WithDescription("Balance, available credit, pending holds, trial, limits and a page of the ledger (newest first).")
            .Query("ledger_limit", JsonSchemaType.Integer, $"Ledger entries to include, 0 to {AccountLimits.MaxLedgerPage}; {DefaultLedgerPage} by default.")
            .Query("ledger_before", JsonSchemaType.Integer, "Only ledger entries with a sequence number below this (the next page).")
            .Produces<AccountSnapshot>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        accounts.MapPost("/accounts/{accountId}/adjustments", AdjustAsync)
            .WithSummary("Adjust an account's credit")
            .WithDescription("Adds (positive amount) or removes (negative) credit, once per idempotency key: a retry with the same key and "
                + "the same adjustment answers the first result; the same key with another adjustment is a 409.")
            .Body<AdjustmentBody>()
            .Header("Idempotency-Key", "The idempotency key, when the body has no idempotency_key.")
            .Produces<AdjustResult>()
            .Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity).ClusterErrors();
        accounts.MapPost("/accounts/{accountId}/trial", GrantTrialAsync)
            .WithSummary("Grant a trial")
            .WithDescription("Replaces any earlier trial: credit, tokens and/or requests (at least one) until expires_at, spent before the balance.")
            .Body<TrialBody>()
            .Produces<AccountSnapshot>()
            .Errors(StatusCodes.Status404NotFound).ClusterErrors();
        accounts.MapPut("/accounts/{accountId}/status", SetStatusAsync)
            .WithSummary("Suspend or reactivate an account")
            .WithDescription("A suspended account's every authorize is denied (account_suspended).")
            .Body<AccountStatusBody>()
            .Produces<AccountSnapshot>()
            .Errors(StatusCodes.Status404NotFound).ClusterErrors();
        accounts.MapPut("/accounts/{accountId}/time_zone", SetTimeZoneAsync)
            .WithSummary("Set the time zone of an account's calendar budgets")
            .WithDescription("An IANA zone (Europe/Berlin): the account's daily, weekly and monthly budgets begin at its local midnight. null is UTC.")
            .Body<AccountTimeZoneBody>()
            .Produces<AccountSnapshot>()
            .Errors(StatusCodes.Status404NotFound).ClusterErrors();
    }

    /// <summary>Grants a trial (replacing any earlier one): credit, tokens and/or requests until <c>expires_at</c>.</summary>
    private static async Task<IResult> GrantTrialAsync(string accountId, TrialBody body, IGrainFactory grains) =>
        Results.Ok(await grains.Account(Ids.Account(accountId))
            .GrantTrial(new GrantTrial(body.Credit, body.Tokens, body.Requests, body.ExpiresAt.ToUniversalTime(), body.Actor ?? "admin")));

    /// <summary>Suspends ("suspended": every authorize is denied) or reactivates ("active") an account.</summary>
    private static async Task<IResult> SetStatusAsync(string accountId, AccountStatusBody body, IGrainFactory grains) =>
        Results.Ok(await grains.SetAccountStatusAsync(accountId, body.Status, body.Actor ?? "admin"));

    /// <summary>Sets the account's IANA time zone (null: UTC).</summary>
    private static async Task<IResult> SetTimeZoneAsync(string accountId, AccountTimeZoneBody body, IGrainFactory grains) =>
        Results.Ok(await grains.SetTimeZoneAsync(Ids.Account(accountId), body.TimeZone, body.Actor ?? "admin"));

    private static async Task<IResult> CreateAsync(CreateAccountBody body, IGrainFactory grains)
    {
        var accountId = body.AccountId;
        await grains.Account(accountId).Create(new CreateAccount(body.OverdraftLimit ?? 0, body.InitialCredit ?? 0, body.Actor ?? "admin"));
        // Answered as GET answers it, with the ledger the creation wrote (the initial credit).
        var account = await grains.Account(accountId).Get(new GetAccount(DefaultLedgerPage, null));
        return Results.Created($"/admin/accounts/{Uri.EscapeDataString(accountId)}", account);
    }

    /// <summary>Accounts in id order: <c>prefix</c> (an id prefix), <c>after</c> (the previous page's <c>next_after</c>), <c>limit</c> (1-500, 100).</summary>
    private static async Task<IResult> ListAsync(HttpRequest request, AdminListings listings)
    {
        var prefix = QueryText(request, "prefix");
        var after = QueryText(request, "after");
        if (prefix is not null && !Ids.IsAccount(prefix)) throw ApiException.BadRequest("invalid_query", "'prefix' must be the start of an account id (letters, digits and . _ : @ -).");
        if (after is not null && !Ids.IsAccount(after)) throw ApiException.BadRequest("invalid_query", "'after' must be an account id.");
        var limit = QueryInt(request, "limit", 1, AdminListings.MaxPage) ?? 100;
        return Results.Ok(await listings.AccountsAsync(prefix, after, (int)limit));
    }

    private static async Task<IResult> ListKeysAsync(string accountId, IGrainFactory grains, AdminListings listings)
    {
        Ids.Account(accountId);
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
        Ids.Account(accountId);
        var limit = QueryInt(request, "ledger_limit", 0, AccountLimits.MaxLedgerPage) ?? DefaultLedgerPage;
        var before = QueryInt(request, "ledger_before", 1, long.MaxValue);
        var account = await grains.Account(accountId).Get(new GetAccount((int)limit, before));
        return Results.Ok(account);
    }

    private static async Task<IResult> AdjustAsync(string accountId, AdjustmentBody body, HttpRequest request, IGrainFactory grains)
    {
        var key = body.IdempotencyKey ?? NullIfEmpty(request.Headers["Idempotency-Key"].ToString())
            ?? throw ApiException.BadRequest("missing_idempotency_key", "An adjustment needs an 'idempotency_key' field or an Idempotency-Key header, so a retry cannot apply it twice.");
        return Results.Ok(await grains.AdjustCreditAsync(accountId, body.Amount, body.Reason, body.Actor, key));
    }

    /// <summary>An integer query parameter from <paramref name="min"/> to <paramref name="max"/>, or null when absent; else 400 invalid_query.</summary>
    internal static long? QueryInt(HttpRequest request, string name, long min, long max)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0) return null;
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw ApiException.BadRequest("invalid_query", $"Query parameter '{name}' must be an integer from {min} to {max}.");
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}

// Request bodies: each binds its handler's parameter (JsonBody reads the fields below, in this order, and refuses any other) and
// describes it in the OpenAPI document.

public sealed record CreateAccountBody : ApiDocs.IStrictJsonBody
{
    [Description("1 to 128 letters, digits and . _ : @ -")]
    public required string AccountId { get; init; }

    [Description("How far below zero the balance may go, in nano-USD; 0 by default.")]
    public long? OverdraftLimit { get; init; }

    [Description("Credit to start with, in nano-USD; 0 by default.")]
    public long? InitialCredit { get; init; }

    [Description("Who did it, for the ledger; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<CreateAccountBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new CreateAccountBody
    {
        AccountId = Ids.Account(body.RequiredIdentifier("account_id", 128)),
        OverdraftLimit = body.OptionalAmount("overdraft_limit", Credits.MaxAmount, allowNegative: false),
        InitialCredit = body.OptionalAmount("initial_credit", Credits.MaxAmount, allowNegative: false),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}

public sealed record AdjustmentBody : ApiDocs.IStrictJsonBody
{
    [Description("Nano-USD to add (positive) or remove (negative); not zero.")]
    public required long Amount { get; init; }

    [Description("Why, for the ledger (up to 500 characters).")]
    public required string Reason { get; init; }

    [Description("Who did it, for the ledger (up to 200 characters).")]
    public required string Actor { get; init; }

    [Description("Makes a retry safe; required here or as the Idempotency-Key header.")]
    public string? IdempotencyKey { get; init; }

    public static ValueTask<AdjustmentBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new AdjustmentBody
    {
        Amount = body.RequiredAmount("amount", Credits.MaxAmount, allowNegative: true),
        Reason = body.RequiredString("reason", AdminCommands.MaxReason),
        Actor = body.RequiredString("actor", AdminCommands.MaxActor),
        IdempotencyKey = body.OptionalString("idempotency_key", AdminCommands.MaxIdempotencyKey),
    });
}

public sealed record TrialBody : ApiDocs.IStrictJsonBody
{
    [Description("Trial credit in nano-USD.")]
    public long? Credit { get; init; }

    [Description("Trial tokens.")]
    public long? Tokens { get; init; }

    [Description("Trial requests.")]
    public long? Requests { get; init; }

    [Description("When the trial ends (RFC 3339, in the future).")]
    public required DateTimeOffset ExpiresAt { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<TrialBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new TrialBody
    {
        Credit = body.OptionalAmount("credit", Credits.MaxAmount, allowNegative: false),
        Tokens = body.OptionalCount("tokens", Grains.Limits.LimitSettings.MaxRate),
        Requests = body.OptionalCount("requests", Grains.Limits.LimitSettings.MaxRate),
        ExpiresAt = body.OptionalTimestamp("expires_at") ?? throw ApiException.BadRequest("missing_field", "'expires_at' is required."),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}

public sealed record AccountTimeZoneBody : ApiDocs.IStrictJsonBody
{
    [Description("An IANA time zone (Europe/Berlin, America/New_York), or null for UTC.")]
    public required string? TimeZone { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<AccountTimeZoneBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new AccountTimeZoneBody
    {
        TimeZone = body.Has("time_zone") ? body.OptionalString("time_zone", 64)
            : throw ApiException.BadRequest("missing_field", "'time_zone' is required: an IANA zone such as Europe/Berlin, or null for UTC."),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}

public sealed record AccountStatusBody : ApiDocs.IStrictJsonBody
{
    [Description("\"active\" or \"suspended\".")]
    public required string Status { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<AccountStatusBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new AccountStatusBody
    {
        Status = body.RequiredString("status", 20),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}
