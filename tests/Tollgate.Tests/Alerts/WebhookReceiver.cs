using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Alerts;

/// <summary>A webhook request as the receiver got it: the raw body is what the signature covers.</summary>
/// <param name="Seen">How many requests with this event id came before it (0: the first).</param>
public sealed record ReceivedWebhook(string? EventId, string? Signature, string? ContentType, byte[] Body, int Seen)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A webhook receiver as an integrator writes one: HTTP on a free loopback port, recording every request, answering
/// what the test decides (a status code, after whatever it awaits), and deduplicating by event id as docs/spend-control.md says.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ReceivedWebhook> _received = [];
    private readonly CancellationTokenSource _closing = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Received
    {
        get { lock (_received) return [.. _received]; }
    }

    /// <summary>The event ids the receiver has taken, each once: what a receiver that deduplicates processes.</summary>
    public IReadOnlySet<string> EventIds
    {
        get { lock (_received) return _received.Where(r => r.EventId is not null).Select(r => r.EventId!).ToHashSet(); }
    }

    public IReadOnlyList<ReceivedWebhook> Of(string eventId) => [.. Received.Where(r => r.EventId == eventId)];

    /// <param name="answer">The status for a request (awaiting what it must, e.g. a gate); 200 when none. Its token ends when the caller leaves or the receiver stops.</param>
    public static async Task<WebhookReceiver> StartAsync(Func<ReceivedWebhook, CancellationToken, Task<int>>? answer = null)
    {
        var port = FreePort.Loopback();
        var builder = WebApplication.CreateSlimBuilder([$"--Urls=http://127.0.0.1:{port}"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new WebhookReceiver(app) { Url = $"http://127.0.0.1:{port}/hooks" };
        app.MapPost("/hooks", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            var eventId = http.Request.Headers["Tollgate-Event-Id"].ToString();
            ReceivedWebhook received;
            lock (receiver._received)
            {
                received = new ReceivedWebhook(eventId.Length == 0 ? null : eventId, http.Request.Headers["Tollgate-Signature"].ToString(),
                    http.Request.ContentType, body.ToArray(), receiver._received.Count(r => r.EventId == eventId));
                receiver._received.Add(received);
            }
            using var leaving = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, receiver._closing.Token);
            try
            {
                http.Response.StatusCode = answer is null ? 200 : await answer(received, leaving.Token);
            }
            catch (OperationCanceledException)
            {
                // The caller left (a killed silo) or the test ended.
            }
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>
    /// Verifies <c>Tollgate-Signature</c> as a receiver would, written from docs/spend-control.md's description alone:
    /// <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;raw body&gt;")&gt;</c>.
    /// </summary>
    public static bool Verifies(string? signature, byte[] body, string secret)
    {
        if (signature is null) return false;
        var parts = signature.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1) || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return false;
        var signed = Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray();
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var expected = Convert.ToHexString(hmac.ComputeHash(signed)).ToLowerInvariant();
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(v1));
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _closing.Dispose();
    }
}
