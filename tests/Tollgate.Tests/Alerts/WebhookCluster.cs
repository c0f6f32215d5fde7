using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Silo.Webhooks;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Alerts;

/// <summary>
/// One in-process Tollgate for the webhook tests of a class: a silo whose dispatcher polls and retries fast, a gateway
/// that takes http receivers (<see cref="Admin"/>), and one with the default that requires https (<see cref="HttpsOnlyAdmin"/>).
/// Each test makes endpoints of its own and deletes them after; assertions name their own event ids.
/// </summary>
public sealed class WebhookCluster : IAsyncLifetime
{
    /// <summary>Attempts of one delivery in these tests.</summary>
    public const int MaxAttempts = 3;

    public TestCluster Cluster { get; private set; } = null!;

    public HttpClient Admin => Cluster.Admin;

    public HttpClient HttpsOnlyAdmin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(await TestPostgres.CreateDatabaseAsync(), 1, null, null,
            silo => silo.Services.Configure<WebhookOptions>(webhooks =>
            {
                webhooks.PollInterval = TimeSpan.FromMilliseconds(50);
                webhooks.RetryBase = TimeSpan.FromMilliseconds(200);
                webhooks.RetryMax = TimeSpan.FromSeconds(1);
                webhooks.MaxAttempts = MaxAttempts;
                // Long enough that an attempt a test holds open (to look at the log meanwhile) never times out under load.
                webhooks.Timeout = TimeSpan.FromSeconds(20);
                webhooks.Lease = TimeSpan.FromSeconds(30);
                webhooks.RetentionInterval = TimeSpan.FromMilliseconds(200);
            }),
            ["--Webhooks:RequireHttps=false"]);
        await Cluster.AddGatewayAsync("--Webhooks:RequireHttps=true");
        HttpsOnlyAdmin = Cluster.ClientOf(1, TestCluster.AdminToken);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Creates an endpoint; its id and the secret the creation shows.</summary>
    public async Task<(string Id, string Secret)> CreateEndpointAsync(string url, string? accountId = null)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, string?> { ["url"] = url, ["account_id"] = accountId, ["description"] = "test receiver" });
        using var response = await Admin.PostAsync("/admin/webhooks", Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await ReadAsync(response);
        return (created.GetProperty("endpoint_id").GetString()!, created.GetProperty("secret").GetString()!);
    }

    public async Task DeleteEndpointAsync(string endpointId)
    {
        using var response = await Admin.DeleteAsync($"/admin/webhooks/{endpointId}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Sends the endpoint a test event; its event id.</summary>
    public async Task<string> SendTestAsync(string endpointId)
    {
        using var response = await Admin.PostAsync($"/admin/webhooks/{endpointId}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await ReadAsync(response)).GetProperty("event_id").GetString()!;
    }

    /// <summary>A page of the endpoint's delivery log.</summary>
    public async Task<JsonElement> LogAsync(string endpointId, string query = "") =>
        await ReadAsync(await Admin.GetAsync($"/admin/webhooks/{endpointId}/deliveries{query}"));

    /// <summary>The log's row for one event, or null while it has none.</summary>
    public async Task<JsonElement?> DeliveryAsync(string endpointId, string eventId)
    {
        foreach (var delivery in (await LogAsync(endpointId)).GetProperty("deliveries").EnumerateArray())
        {
            if (delivery.GetProperty("event_id").GetString() == eventId) return delivery;
        }
        return null;
    }

    /// <summary>Waits until the event's delivery to the endpoint has <paramref name="status"/>; returns its row.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string endpointId, string eventId, string status)
    {
        JsonElement? row = null;
        await Eventually.TrueAsync(async () => (row = await DeliveryAsync(endpointId, eventId))?.GetProperty("status").GetString() == status,
            $"the delivery of {eventId} to {endpointId} never became {status}: {row}");
        return row!.Value;
    }
}
