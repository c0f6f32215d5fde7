using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tollgate.Bench.Targets;

/// <summary>
/// Runs pairs over HTTP against a metering API of Tollgate's shape: <c>POST {prefix}/authorize</c>
/// then <c>POST {prefix}/settle</c>. Tollgate's gateway, the postgres-direct baseline and the
/// ceiling all answer it, so all three are driven by the same client code.
/// </summary>
public sealed class HttpPairTarget : IPairTarget, IDisposable
{
    private readonly HttpClient _http;
    private readonly string _prefix;
    private long _charged;

    public HttpPairTarget(string name, Uri baseAddress, string prefix, string token)
    {
        Name = name;
        _prefix = prefix;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4096, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public string Name { get; }

    /// <summary>Everything this target charged, warm-up included (for the invariant check).</summary>
    public long TotalCharged => Interlocked.Read(ref _charged);

    public async Task<PairResult> RunPairAsync(string accountId, string requestId)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var authorizeBody = $$"""{"request_id":"{{requestId}}","account_id":"{{accountId}}","caller_ip":"{{CallerIp(accountId)}}","model":"bench-model","estimated_input_tokens":1000,"max_output_tokens":500}""";
            using var authorized = await _http.PostAsync($"{_prefix}/authorize", new StringContent(authorizeBody, Encoding.UTF8, "application/json"));
            var answer = await ReadAsync(authorized);
            if (answer.Error is not null) return new PairResult(default, default, 0, answer.Error);
            if (!answer.Body.GetProperty("allowed").GetBoolean()) return new PairResult(default, default, 0, answer.Body.GetProperty("reason").GetString());
            var reservation = answer.Body.GetProperty("reservation_id").GetString();
            var authorizeTime = Stopwatch.GetElapsedTime(started);

            started = Stopwatch.GetTimestamp();
            var settleBody = $$"""{"reservation_id":"{{reservation}}","input_tokens":1000,"output_tokens":300}""";
            using var settled = await _http.PostAsync($"{_prefix}/settle", new StringContent(settleBody, Encoding.UTF8, "application/json"));
            var settle = await ReadAsync(settled);
            if (settle.Error is not null) return new PairResult(default, default, 0, "settle:" + settle.Error);
            var charged = settle.Body.GetProperty("charged").GetInt64();
            Interlocked.Add(ref _charged, charged);
            return new PairResult(authorizeTime, Stopwatch.GetElapsedTime(started), charged, null);
        }
        catch (HttpRequestException ex)
        {
            return new PairResult(default, default, 0, "http:" + (ex.HttpRequestError.ToString()));
        }
        catch (TaskCanceledException)
        {
            return new PairResult(default, default, 0, "client_timeout");
        }
    }

    /// <summary>Each account calls from its own address, so caller IP grains spread like accounts do.</summary>
    private static string CallerIp(string accountId)
    {
        var hash = (uint)accountId.GetHashCode(StringComparison.Ordinal);
        return $"10.{(hash >> 16) & 0xff}.{(hash >> 8) & 0xff}.{hash & 0xff}";
    }

    private static async Task<(JsonElement Body, string? Error)> ReadAsync(HttpResponseMessage response)
    {
        var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync()).RootElement;
        if (response.IsSuccessStatusCode) return (body, null);
        var code = body.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;
        return (body, $"{(int)response.StatusCode} {code}");
    }

    public void Dispose() => _http.Dispose();
}
