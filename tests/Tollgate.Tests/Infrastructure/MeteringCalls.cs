using System.Net;
using System.Text.Json;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Calls of the metering and admin APIs that metering tests repeat.</summary>
public static class MeteringCalls
{
    /// <summary>POST /v1/authorize; returns the answer (allowed or denied).</summary>
    public static async Task<JsonElement> AuthorizeAsync(HttpClient metering, string requestId, string? account = null, string? apiKey = null,
        string ip = "198.51.100.1", string model = "m1", long input = 100, long output = 100)
    {
        var body = new Dictionary<string, object?>
        {
            ["request_id"] = requestId,
            ["caller_ip"] = ip,
            ["model"] = model,
            ["estimated_input_tokens"] = input,
            ["max_output_tokens"] = output,
        };
        if (account is not null) body["account_id"] = account;
        if (apiKey is not null) body["api_key"] = apiKey;
        using var response = await metering.PostAsync("/v1/authorize", Json(JsonSerializer.Serialize(body)));
        return (await ReadAsync(response)).Clone();
    }

    public static async Task<JsonElement> SettleAsync(HttpClient metering, JsonElement authorized, long input, long output, string outcome = "success")
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["reservation_id"] = authorized.GetProperty("reservation_id").GetString(),
            ["input_tokens"] = input,
            ["output_tokens"] = output,
            ["outcome"] = outcome,
        });
        using var response = await metering.PostAsync("/v1/settle", Json(body));
        return (await ReadAsync(response)).Clone();
    }

    public static bool Allowed(JsonElement answer) => answer.GetProperty("allowed").GetBoolean();

    public static string? Reason(JsonElement answer) => answer.GetProperty("reason").GetString();

    public static async Task AdminAsync(HttpClient admin, HttpMethod method, string path, string body)
    {
        using var response = await admin.SendAsync(new HttpRequestMessage(method, path) { Content = Json(body) });
        await ReadAsync(response);
    }

    public static async Task CreateAccountAsync(HttpClient admin, string account, long credit)
    {
        using var response = await admin.PostAsync("/admin/accounts", Json($$"""{"account_id":"{{account}}","initial_credit":{{credit}}}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Creates a key for the account; returns (key id, key).</summary>
    public static async Task<(string KeyId, string Key)> CreateKeyAsync(HttpClient admin, string account)
    {
        using var response = await admin.PostAsync($"/admin/accounts/{account}/keys", Json("{}"));
        var created = await ReadAsync(response);
        return (created.GetProperty("key_id").GetString()!, created.GetProperty("key").GetString()!);
    }

    public static Task SetPriceAsync(HttpClient admin, string model, long inputPerMillion, long outputPerMillion) =>
        AdminAsync(admin, HttpMethod.Post, $"/admin/models/{model}/prices",
            $$"""{"input_per_million":{{inputPerMillion}},"output_per_million":{{outputPerMillion}}}""");
}
