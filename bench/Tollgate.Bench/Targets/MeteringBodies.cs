using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Api;

namespace Tollgate.Bench.Targets;

// The metering API's request bodies, parsed by the gateway's own JSON reader so every baseline pays what the gateway pays.
internal sealed record AuthorizeBody(string RequestId, string AccountId, string CallerIp, string Model, long Input, long Output)
{
    public static async Task<AuthorizeBody> ReadAsync(HttpRequest request) => (await JsonBody.BindAsync(request.HttpContext, body => new AuthorizeBody(
        body.RequiredString("request_id", 200), body.RequiredString("account_id", 128), body.RequiredString("caller_ip", 64), body.RequiredString("model", 200),
        body.RequiredCount("estimated_input_tokens", 100_000_000), body.RequiredCount("max_output_tokens", 100_000_000))))!;
}

internal sealed record SettleBody(string ReservationId, long Input, long Output)
{
    public static async Task<SettleBody> ReadAsync(HttpRequest request) => (await JsonBody.BindAsync(request.HttpContext, body => new SettleBody(
        body.RequiredString("reservation_id", 4096), body.RequiredCount("input_tokens", 100_000_000), body.RequiredCount("output_tokens", 100_000_000))))!;
}

/// <summary>The worst case held at authorize and the cost charged at settle, in nano-USD, rounded up as Tollgate rounds.</summary>
internal static class Cost
{
    public static long Of(long inputTokens, long outputTokens, long inputPrice, long outputPrice) =>
        (inputTokens * inputPrice + outputTokens * outputPrice + 999_999) / 1_000_000;
}
