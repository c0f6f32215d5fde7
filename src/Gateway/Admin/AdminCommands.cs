using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// The admin writes that both the admin API and the operator pages make: each checks its input, then makes the one
/// grain call it stands for. The API reads its input from JSON, the pages from a form; the call is the same.
/// </summary>
internal static class AdminCommands
{
    public const int MaxReason = 500;
    public const int MaxActor = 200;
    public const int MaxIdempotencyKey = 200;

    /// <summary>A credit (positive) or debit (negative) of nano-USD, applied once per idempotency key.</summary>
    public static Task<AdjustResult> AdjustCreditAsync(this IGrainFactory grains, string accountId, long amount, string reason, string actor, string idempotencyKey)
    {
        Ids.Account(accountId);
        if (amount == 0) throw ApiException.BadRequest("invalid_amount", "'amount' must not be zero.");
        if (amount is > Credits.MaxAmount or < -Credits.MaxAmount) throw ApiException.BadRequest("amount_out_of_range", $"'amount' must be at most {Credits.MaxAmount} nano-USD either way.");
        Text("reason", reason, MaxReason);
        Text("actor", actor, MaxActor);
        Text("idempotency_key", idempotencyKey, MaxIdempotencyKey);
        return grains.Account(accountId).Adjust(new AdjustCredit(amount, reason, actor, idempotencyKey));
    }

    /// <summary>Suspends (<see cref="AccountStatus.Suspended"/>) or reactivates (<see cref="AccountStatus.Active"/>) an account.</summary>
    public static Task<AccountSnapshot> SetAccountStatusAsync(this IGrainFactory grains, string accountId, string status, string actor)
    {
        Ids.Account(accountId);
        Text("status", status, 20);
        Text("actor", actor, MaxActor);
        return grains.Account(accountId).SetStatus(new SetAccountStatus(status, actor));
    }

    /// <summary>Revokes an API key: effective on every gateway at once.</summary>
    public static Task<ApiKeyView> RevokeKeyAsync(this IGrainFactory grains, string keyId, string actor)
    {
        Ids.Key(keyId);
        Text("actor", actor, MaxActor);
        return grains.ApiKey(keyId).Revoke(new RevokeApiKey(actor));
    }

    /// <summary>A required text field: present, bounded, without control characters (the admin API's rule for every text).</summary>
    internal static void Text(string name, string value, int maxLength)
    {
        if (string.IsNullOrEmpty(value)) throw ApiException.BadRequest("missing_field", $"'{name}' is required.");
        if (value.Length > maxLength) throw ApiException.BadRequest("invalid_field", $"'{name}' is at most {maxLength} characters.");
        if (value.Any(char.IsControl)) throw ApiException.BadRequest("invalid_field", $"'{name}' must not contain control characters (such as NUL or a line break).");
    }
}
