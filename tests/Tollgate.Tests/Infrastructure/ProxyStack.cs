using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Tollgate.FakeUpstream;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// Tollgate as a proxy in front of the fake upstream: a cluster whose gateways route the model
/// <see cref="Model"/> to the fake (as <see cref="UpstreamModel"/>), an account with credit and a key for it.
/// </summary>
public sealed class ProxyStack : IAsyncDisposable
{
    public const string Model = "demo";
    public const string UpstreamModel = "fake-gpt";

    /// <summary>A model served through Anthropic's Messages API (<see cref="AddAnthropicModelAsync"/>), as the fake's <see cref="ClaudeUpstreamModel"/>.</summary>
    public const string ClaudeModel = "sonnet";

    /// <summary>The fake's name for <see cref="ClaudeModel"/>: a Claude name, so its input is counted by the Claude rule.</summary>
    public const string ClaudeUpstreamModel = "claude-fake-sonnet";
    public const string Account = "acme";
    public const long Credit = 1_000 * 1_000_000_000L; // 1,000 USD
    public const long InputPrice = 2_000_000_000;      // 2 USD per million tokens
    public const long OutputPrice = 8_000_000_000;

    private readonly FakeProvider _fake;

    private ProxyStack(TestCluster cluster, FakeProvider fake, string keyId, string key)
    {
        (Cluster, _fake, KeyId, Key) = (cluster, fake, keyId, key);
    }

    /// <summary>The fake upstream's base address (its /fake endpoints), for clients in other processes.</summary>
    public Uri FakeAddress => _fake.Address;

    public TestCluster Cluster { get; }

    public string KeyId { get; }

    public string Key { get; }

    /// <summary>What the fake upstream received (what the proxy forwarded).</summary>
    public ReceivedRequests Received => _fake.Received;

    /// <summary>The fake upstream's gates, where streams sent with <c>"fake":{"hold":"name"}</c> wait after their first event.</summary>
    public FakeGates Gates => _fake.Gates;

    /// <summary>A client of the proxy (gateway <paramref name="gateway"/>) with the account's key.</summary>
    public HttpClient Proxy(int gateway = 0) => Cluster.ClientOf(gateway, Key);

    /// <param name="gatewaySettings">More configuration of every gateway, e.g. a provider timeout.</param>
    public static Task<ProxyStack> StartAsync(PostgresFixture postgres, int silos = 1, TimeProvider? clock = null, params string[] gatewaySettings) =>
        StartAsync(postgres, silos, clock, configureSilo: null, gatewaySettings);

    /// <param name="configureSilo">More configuration of every silo, e.g. a grain call filter that fails some calls.</param>
    public static async Task<ProxyStack> StartAsync(PostgresFixture postgres, int silos, TimeProvider? clock, Action<Orleans.Hosting.ISiloBuilder>? configureSilo,
        params string[] gatewaySettings)
    {
        var fake = await FakeProvider.StartAsync();
        var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), silos, clock, null, configureSilo, [.. fake.GatewaySettings, .. gatewaySettings]);
        await CreateAccountAsync(cluster.Admin, Account, Credit);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, Account);
        var stack = new ProxyStack(cluster, fake, keyId, key);
        await AddModelAsync(cluster.Admin, Model);
        return stack;
    }

    /// <summary>
    /// Prices and routes one more model to the fake, as <see cref="Model"/> is: a test that counts measurements of the
    /// process-wide meter by model asks for a model no test running beside it uses.
    /// </summary>
    public Task AddModelAsync(string model) => AddModelAsync(Cluster.Admin, model);

    /// <summary>Prices <paramref name="model"/> at the stack's prices and routes it to the fake, through any gateway's admin client.</summary>
    public static async Task AddModelAsync(HttpClient admin, string model)
    {
        await SetPriceAsync(admin, model, InputPrice, OutputPrice);
        await AdminAsync(admin, HttpMethod.Put, $"/admin/models/{model}/route", $$"""{"provider":"fake","upstream_model":"{{UpstreamModel}}"}""");
    }

    /// <summary>
    /// Routes <paramref name="model"/> to the fake as Anthropic's API (provider <see cref="FakeProvider.AnthropicProvider"/>, upstream
    /// <see cref="ClaudeUpstreamModel"/>) and prices it at the stack's prices, or at <paramref name="price"/> (a prices body's JSON).
    /// </summary>
    public async Task AddAnthropicModelAsync(string model = ClaudeModel, string? price = null)
    {
        if (price is null) await SetPriceAsync(Cluster.Admin, model, InputPrice, OutputPrice);
        else await AdminAsync(Cluster.Admin, HttpMethod.Post, $"/admin/models/{model}/prices", price);
        await AdminAsync(Cluster.Admin, HttpMethod.Put, $"/admin/models/{model}/route",
            $$"""{"provider":"{{FakeProvider.AnthropicProvider}}","upstream_model":"{{ClaudeUpstreamModel}}"}""");
    }

    /// <summary>The usage row of a proxied request (by the x-request-id the proxy answered with), or null before it settled.</summary>
    public Task<UsageRow?> UsageAsync(string requestId) => UsageAsync(Cluster.Database, requestId);

    /// <summary>The usage row of request <paramref name="requestId"/> in <paramref name="connectionString"/>'s database, or null.</summary>
    public static async Task<UsageRow?> UsageAsync(string connectionString, string requestId)
    {
        await using var database = NpgsqlDataSource.Create(connectionString);
        await using var query = database.CreateCommand("""
            SELECT input_tokens, output_tokens, outcome, streamed, estimated, cost, charged, input_price, caller_ip, denial
            FROM usage_events WHERE request_id = $1
            """);
        query.Parameters.Add(new NpgsqlParameter { Value = requestId });
        await using var reader = await query.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        var row = new UsageRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetBoolean(3), reader.GetBoolean(4), reader.GetInt64(5),
            reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9));
        Assert.False(await reader.ReadAsync(), $"request {requestId} has more than one usage row");
        return row;
    }

    /// <summary>The usage row once the request has settled (the proxy settles after the client has its answer).</summary>
    public async Task<UsageRow> SettledAsync(string requestId)
    {
        UsageRow? row = null;
        await Eventually.TrueAsync(async () => (row = await UsageAsync(requestId)) is not null, $"request {requestId} never settled", seconds: 15);
        return row!;
    }

    /// <summary>The one request settled in this stack's database, once it has: for a client that left before it learned the request's id.</summary>
    public async Task<UsageRow> OnlySettledAsync()
    {
        await using var database = NpgsqlDataSource.Create(Cluster.Database);
        string? requestId = null;
        await Eventually.TrueAsync(async () =>
        {
            await using var query = database.CreateCommand("SELECT request_id FROM usage_events");
            await using var reader = await query.ExecuteReaderAsync();
            if (!await reader.ReadAsync()) return false;
            requestId = reader.GetString(0);
            Assert.False(await reader.ReadAsync(), "more than one request settled");
            return true;
        }, "no request settled", seconds: 15);
        return (await UsageAsync(requestId!))!;
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await _fake.DisposeAsync();
    }
}

public sealed record UsageRow(long InputTokens, long OutputTokens, string Outcome, bool Streamed, bool Estimated, long Cost, long Charged, long? InputPrice,
    string? CallerIp, string? Denial);

/// <summary>Helpers to call the proxy as an OpenAI client would.</summary>
public static class ProxyCalls
{
    public static HttpRequestMessage Chat(string body, string path = "/v1/chat/completions") =>
        new(HttpMethod.Post, path) { Content = Http.Json(body) };

    /// <summary>Anthropic's version header, as its SDKs send it.</summary>
    public const string AnthropicVersion = "2023-06-01";

    /// <summary>A request to Anthropic's Messages API (<paramref name="version"/>: its <c>anthropic-version</c>, none when null).</summary>
    public static HttpRequestMessage Messages(string body, string path = "/v1/messages", string? version = AnthropicVersion)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(body) };
        if (version is not null) request.Headers.Add("anthropic-version", version);
        return request;
    }

    public static string RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-request-id", out var values) ? values.Single() : throw new Xunit.Sdk.XunitException("no x-request-id header");

    /// <summary>The data of each server-sent event, until the stream ends; <paramref name="afterFirstEvent"/> runs mid-stream.</summary>
    public static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response, Func<Task>? afterFirstEvent = null)
    {
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            events.Add(line["data: ".Length..]);
            if (events.Count == 1 && afterFirstEvent is not null) await afterFirstEvent();
        }
        return events;
    }

    /// <summary>
    /// Reads a stream's first event (the stream must wait after it: <c>"fake":{"hold":…}</c>), then leaves as a client that gives up does: a read is pending when it is cancelled,
    /// so the connection is closed at once (disposing the response alone would let the handler read on, to reuse it).
    /// </summary>
    /// <returns>The request id.</returns>
    public static Task<string> LeaveAfterFirstEventAsync(HttpClient proxy, string body) => LeaveAfterFirstEventAsync(proxy, Chat(body));

    /// <inheritdoc cref="LeaveAfterFirstEventAsync(HttpClient, string)"/>
    public static async Task<string> LeaveAfterFirstEventAsync(HttpClient proxy, HttpRequestMessage request)
    {
        using var response = await proxy.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line && !line.StartsWith("data: ", StringComparison.Ordinal))
        {
        }
        Assert.Equal("", await reader.ReadLineAsync()); // the event's end: nothing more is buffered
        using var leave = new CancellationTokenSource();
        var pending = reader.ReadLineAsync(leave.Token).AsTask();
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        return RequestId(response);
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
