using System.Net;
using System.Text;
using System.Text.Json;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Small helpers for calling the gateway's JSON APIs in tests.</summary>
public static class Http
{
    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The body of a successful response (the status and body are in the failure message otherwise).</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Asserts an error response: the status, the stable code and a non-empty message.</summary>
    public static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }
}
