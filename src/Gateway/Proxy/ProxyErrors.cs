using System.Globalization;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Metering;
using Tollgate.Grains;
using Tollgate.Grains.Budgets;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// How the proxy answers in OpenAI's terms: a denied authorize as an HTTP error its SDKs understand, and the
/// <c>x-ratelimit-*</c> headers on every answer. The official SDKs retry 408, 409, 429 and 5xx (twice, by
/// default) unless <c>x-should-retry</c> says otherwise, so only what waiting can cure is a 429 or a 5xx.
/// </summary>
internal static class ProxyErrors
{
    /// <summary>The status, OpenAI error type and code of a denial; the code is Tollgate's stable reason unless OpenAI has its own.</summary>
    public static (int Status, string Type, string Code) Of(Denial denial) => denial.Reason switch
    {
        // Waiting helps: the SDK retries after Retry-After.
        Denials.RateLimited => (StatusCodes.Status429TooManyRequests, denial.Limit is { } limit && limit.StartsWith("tokens", StringComparison.Ordinal) ? "tokens" : "requests",
            "rate_limit_exceeded"),
        // OpenAI says 429 insufficient_quota, which its own SDK then retries in vain; 402 is not retried, and the type is kept for code that checks it.
        Denials.InsufficientCredit or Denials.TrialExhausted or Denials.BudgetExceeded => (StatusCodes.Status402PaymentRequired, "insufficient_quota", denial.Reason),
        Denials.InvalidApiKey => (StatusCodes.Status401Unauthorized, "invalid_request_error", "invalid_api_key"),
        Denials.KeyRevoked => (StatusCodes.Status401Unauthorized, "invalid_request_error", Denials.KeyRevoked),
        Denials.AccountSuspended or Denials.AccountNotFound => (StatusCodes.Status403Forbidden, "permission_error", denial.Reason),
        // OpenAI answers a project's model it may not use with 403 invalid_request_error (code model_not_found); Tollgate's code says why.
        Denials.ModelNotAllowed => (StatusCodes.Status403Forbidden, "invalid_request_error", Denials.ModelNotAllowed),
        Denials.ModelNotRouted => (StatusCodes.Status404NotFound, "invalid_request_error", "model_not_found"),
        Denials.ModelUnknown => (StatusCodes.Status404NotFound, "invalid_request_error", "model_not_priced"),
        _ => (StatusCodes.Status409Conflict, "invalid_request_error", denial.Reason),
    };

    public static string MessageOf(Denial denial, string model) => denial.Reason switch
    {
        Denials.ModelUnknown => $"The model '{model}' is not available yet: it has no price.",
        Denials.InvalidApiKey => "Incorrect API key provided. Tollgate keys look like tg_…",
        _ => denial.Message,
    };

    public static Task WriteDenialAsync(HttpContext http, Denial denial, string model)
    {
        var (status, type, code) = Of(denial);
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status429TooManyRequests)
        {
            // A window says when it frees up (within its bucket: up to a minute and a second for a minute window); a concurrency limit cannot know when a request in flight ends: a second is a fair guess.
            var retryAfter = denial.RetryAfterMs ?? 1000;
            http.Response.Headers.RetryAfter = Math.Max(1, (retryAfter + 999) / 1000).ToString(CultureInfo.InvariantCulture);
            http.Response.Headers["retry-after-ms"] = retryAfter.ToString(CultureInfo.InvariantCulture);
        }
        if (status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
        return ErrorHandling.WriteBodyAsync(http, new ErrorDetail(MessageOf(denial, model), type,
            status == StatusCodes.Status404NotFound || denial.Reason == Denials.ModelNotAllowed ? "model" : null, code));
    }

    /// <summary>The tightest request and token limits (OpenAI's header set); nothing when no limit applies.</summary>
    public static void SetRateLimitHeaders(HttpResponse response, RateLimitHeaders limits)
    {
        foreach (var (name, value) in RateLimitHeaderValues(limits)) response.Headers[name] = value;
    }

    /// <summary>The <c>x-ratelimit-*</c> headers of <see cref="SetRateLimitHeaders"/>, by name (Envoy's rate-limit service sends the same).</summary>
    public static IEnumerable<(string Name, string Value)> RateLimitHeaderValues(RateLimitHeaders limits)
    {
        foreach (var (what, limit) in new[] { ("requests", limits.Requests), ("tokens", limits.Tokens) })
        {
            if (limit is null) continue;
            yield return ($"x-ratelimit-limit-{what}", limit.Limit.ToString(CultureInfo.InvariantCulture));
            yield return ($"x-ratelimit-remaining-{what}", Math.Max(0, limit.Remaining).ToString(CultureInfo.InvariantCulture));
            yield return ($"x-ratelimit-reset-{what}", Duration(limit.ResetMs));
        }
    }

    /// <summary>
    /// The budgets with the least left (<see cref="BudgetHeaders"/>): what remains of the cost in USD and of the tokens, and when each
    /// resets (RFC 3339, in the budget's zone); nothing when no budget applies.
    /// </summary>
    public static void SetBudgetHeaders(HttpResponse response, IReadOnlyList<BudgetState> budgets)
    {
        if (budgets.Count == 0) return;
        var tightest = BudgetHeaders.Of(budgets);
        if (tightest.Cost is { RemainingNanoUsd: { } money } cost)
        {
            response.Headers["x-tollgate-budget-remaining-usd"] = Credits.ToUsd(Math.Max(0, money));
            response.Headers["x-tollgate-budget-reset-usd"] = Instant(cost.ResetsAt);
        }
        if (tightest.Tokens is { RemainingTokens: { } tokens } tokenBudget)
        {
            response.Headers["x-tollgate-budget-remaining-tokens"] = Math.Max(0, tokens).ToString(CultureInfo.InvariantCulture);
            response.Headers["x-tollgate-budget-reset-tokens"] = Instant(tokenBudget.ResetsAt);
        }

        static string Instant(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    /// <summary>A duration as OpenAI writes it in <c>x-ratelimit-reset-*</c>: <c>120ms</c>, <c>1s</c>, <c>6m0s</c>, <c>1h2m3.5s</c>.</summary>
    public static string Duration(long milliseconds)
    {
        if (milliseconds < 1000) return $"{Math.Max(0, milliseconds)}ms";
        var hours = milliseconds / 3_600_000;
        var minutes = milliseconds / 60_000 % 60;
        var seconds = (milliseconds % 60_000 / 1000m).ToString("0.###", CultureInfo.InvariantCulture);
        return hours > 0 ? $"{hours}h{minutes}m{seconds}s" : minutes > 0 ? $"{minutes}m{seconds}s" : $"{seconds}s";
    }
}
