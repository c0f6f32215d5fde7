using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tollgate.Bench.Targets;

/// <summary>What an authorize answered: a reservation to settle, or the reason it was denied (an HTTP error is a reason too).</summary>
public readonly record struct Authorized(string? ReservationId, string? Denial)
{
    public bool Allowed => ReservationId is not null;
}

/// <summary>
/// One front of a metering API of Tollgate's shape (<c>{prefix}/authorize</c>, <c>{prefix}/settle</c>), as a
/// gateway calls it: Tollgate's own gateway, and the baselines' fronts, answer the same requests.
/// </summary>
public sealed class MeteringClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _prefix;

    public MeteringClient(Uri front, string prefix, string token)
    {
        _prefix = prefix;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4096, PooledConnectionLifetime = TimeSpan.FromMinutes(10), MeterFactory = Load.GeneratorHttp.Meters })
        {
            BaseAddress = front,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Authorize 1,000 input tokens and at most 500 output tokens of bench-model (a hold of 6,000 nano-USD).</summary>
    public async Task<Authorized> AuthorizeAsync(string accountId, string requestId)
    {
        var body = $$"""{"request_id":"{{requestId}}","account_id":"{{accountId}}","caller_ip":"{{CallerIp(accountId)}}","model":"bench-model","estimated_input_tokens":1000,"max_output_tokens":500}""";
        using var response = await _http.PostAsync($"{_prefix}/authorize", new StringContent(body, Encoding.UTF8, "application/json"));
        var (answer, error) = await ReadAsync(response, static answer => answer.GetProperty("allowed").GetBoolean()
            ? new Authorized(answer.GetProperty("reservation_id").GetString(), null)
            : new Authorized(null, answer.GetProperty("reason").GetString()));
        return error is null ? answer : new Authorized(null, error);
    }

    /// <summary>Settles 1,000 input and 300 output tokens (4,400 nano-USD); returns what was charged, or the error.</summary>
    public async Task<(long Charged, string? Error)> SettleAsync(string reservationId)
    {
        var body = $$"""{"reservation_id":"{{reservationId}}","input_tokens":1000,"output_tokens":300}""";
        using var response = await _http.PostAsync($"{_prefix}/settle", new StringContent(body, Encoding.UTF8, "application/json"));
        var (charged, error) = await ReadAsync(response, static answer => answer.GetProperty("charged").GetInt64());
        return error is not null ? (0, "settle:" + error) : (charged, null);
    }

    /// <summary>Each account calls from its own address, so caller IP grains spread like accounts do.</summary>
    private static string CallerIp(string accountId)
    {
        var hash = (uint)accountId.GetHashCode(StringComparison.Ordinal);
        return $"10.{(hash >> 16) & 0xff}.{(hash >> 8) & 0xff}.{hash & 0xff}";
    }

    /// <summary>What <paramref name="read"/> takes from a success's JSON, or the error; parsed from the stream into pooled buffers, as the generator's own cost counts in the bench's CPU.</summary>
    private static async Task<(T Value, string? Error)> ReadAsync<T>(HttpResponseMessage response, Func<JsonElement, T> read)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        }
        catch (JsonException)
        {
            return (default!, $"{(int)response.StatusCode} (no JSON body)");
        }
        using (document)
        {
            var body = document.RootElement;
            if (response.IsSuccessStatusCode) return (read(body), null);
            var code = body.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;
            return (default!, $"{(int)response.StatusCode} {code}");
        }
    }

    public void Dispose() => _http.Dispose();
}
