using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Tollgate.Silo.Webhooks;

/// <summary>
/// Delivers alert events as signed webhooks, on every silo. Each pass fans new outbox events out into deliveries,
/// claims due ones (as many as it has room for), and POSTs each; a receiver's 2xx delivers it, anything else (another
/// status, no connection, the timeout) schedules a retry with exponential backoff until the last attempt fails it.
/// Silos share the work through the database (see <see cref="DeliveryStore"/>): delivery is at least once, with the
/// same event id on every attempt, which receivers deduplicate by.
/// </summary>
internal sealed partial class WebhookDispatcher : BackgroundService
{
    private readonly DeliveryStore _store;
    private readonly WebhookOptions _options;
    private readonly HttpClient _http;
    private readonly string _silo;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly HashSet<Task> _inFlight = [];
    private readonly WebhookMetrics.PendingCount _pending = WebhookMetrics.TrackPending();
    private bool _failing; // the database failed the last pass: logged once per outage, not every pass
    private long _nextRetention; // Stopwatch timestamp of the next deletion of expired events (0: at the first pass)

    public WebhookDispatcher(DeliveryStore store, IOptions<WebhookOptions> options, ILocalSiloDetails silo, ILogger<WebhookDispatcher> logger)
    {
        _store = store;
        _options = options.Value.Validated(); // a bad setting stops the silo at start, naming it
        _silo = silo.SiloAddress.ToString();
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = _options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // a receiver's DNS changes are seen
            AllowAutoRedirect = false, // a redirect is not a delivery: the endpoint's URL is what the operator set
            UseCookies = false,
            MaxResponseDrainSize = 16 * 1024, // an answer's body is never read; past this the connection is dropped, not drained
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(), // no trace ids leave for receivers
        })
        { Timeout = Timeout.InfiniteTimeSpan }; // each attempt's own timeout applies
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Tollgate-Webhooks", "1"));
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (!_options.Enabled) return;
        while (!stopping.IsCancellationRequested)
        {
            var full = false;
            try
            {
                full = await PassAsync(stopping);
                if (_failing) LogRecovered(_logger);
                _failing = false;
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                if (!_failing) LogPassFailed(_logger, ex);
                _failing = true;
            }
            await WaitAsync(full, stopping);
        }
        // Attempts under way end at once (cancelled by the same token), each releasing its delivery for another silo.
        Task[] remaining;
        lock (_inFlight) remaining = [.. _inFlight];
        await Task.WhenAll(remaining);
    }

    /// <summary>One pass; whether it claimed as many as it had room for (more may be due at once).</summary>
    private async Task<bool> PassAsync(CancellationToken stopping)
    {
        while (await _store.FanOutAsync(_options.FanOutBatch, stopping) == _options.FanOutBatch)
        {
        }
        var abandoned = await _store.FailAbandonedLastAttemptsAsync(_options.MaxAttempts, stopping);
        if (abandoned > 0) WebhookMetrics.Abandoned(abandoned);
        await DeleteExpiredAsync(stopping);

        int room;
        lock (_inFlight) room = _options.MaxConcurrent - _inFlight.Count;
        var claimed = room > 0 ? await _store.ClaimAsync(room, _options.MaxAttempts, _options.Lease, _silo, stopping) : [];
        foreach (var delivery in claimed)
        {
            var attempt = Task.Run(() => AttemptAsync(delivery, stopping), CancellationToken.None);
            lock (_inFlight) _inFlight.Add(attempt);
            _ = attempt.ContinueWith(done =>
            {
                lock (_inFlight) _inFlight.Remove(done);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        _pending.Set(await _store.PendingAsync(stopping));
        return room > 0 && claimed.Count == room;
    }

    /// <summary>Past <see cref="WebhookOptions.Retention"/>, at most once per <see cref="WebhookOptions.RetentionInterval"/>, in bounded batches.</summary>
    private async Task DeleteExpiredAsync(CancellationToken stopping)
    {
        if (_options.Retention == TimeSpan.Zero || Stopwatch.GetTimestamp() < _nextRetention) return;
        const int batch = 1000;
        var deleted = 0;
        int last;
        do
        {
            last = await _store.DeleteExpiredAsync(_options.Retention, batch, stopping);
            deleted += last;
        }
        while (last == batch && deleted < 100 * batch); // the rest at the next interval: a pass stays short
        _nextRetention = Stopwatch.GetTimestamp() + (long)(_options.RetentionInterval.TotalSeconds * Stopwatch.Frequency);
        if (deleted > 0) LogDeleted(_logger, deleted, _options.Retention);
    }

    /// <summary>Waits for the poll interval; not at all when the last claim was full and room is left; less once an attempt frees room.</summary>
    private async Task WaitAsync(bool full, CancellationToken stopping)
    {
        Task[] busy;
        lock (_inFlight) busy = [.. _inFlight];
        if (full && busy.Length < _options.MaxConcurrent) return;
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var poll = Task.Delay(_options.PollInterval, wake.Token);
        // With no room left, an attempt that ends is a reason to look again; with room, only the interval is.
        await (busy.Length >= _options.MaxConcurrent ? Task.WhenAny([poll, .. busy]) : poll).ContinueWith(_ => { }, TaskScheduler.Default);
        await wake.CancelAsync();
    }

    private async Task AttemptAsync(ClaimedDelivery delivery, CancellationToken stopping)
    {
        var started = Stopwatch.GetTimestamp();
        int? status = null;
        string? error;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                status = await PostAsync(delivery, timeout.Token);
                error = status is >= 200 and < 300 ? null : $"HTTP {status}";
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await _store.ReleaseAsync(delivery); // stopping: another silo (or this one, restarted) tries again at once
                return;
            }
            catch (OperationCanceledException)
            {
                error = $"no answer within {_options.Timeout.TotalSeconds:0.###} s";
            }
            catch (HttpRequestException ex)
            {
                // The socket error's message names the host and port at most: no URL path or query (they may hold tokens), no secret.
                error = Short($"{ex.HttpRequestError}: {ex.InnerException?.Message ?? ex.Message}");
            }
            catch (Exception ex) when (ex is InvalidOperationException or UriFormatException or NotSupportedException)
            {
                error = $"the request could not be sent ({ex.GetType().Name})"; // a URL the admin API let through that HttpClient refuses
            }

            var took = Stopwatch.GetElapsedTime(started);
            if (error is null)
            {
                await _store.DeliveredAsync(delivery, status!.Value);
                WebhookMetrics.Attempted(WebhookMetrics.Delivered, took);
            }
            else if (delivery.Attempt >= _options.MaxAttempts)
            {
                if (await _store.FailedAsync(delivery, status, error)) LogGivenUp(_logger, delivery.EventId, delivery.EndpointId, delivery.Attempt, error);
                WebhookMetrics.Attempted(WebhookMetrics.Failed, took);
            }
            else
            {
                await _store.RetryAsync(delivery, status, error, _options.RetryDelay(delivery.Attempt, Random.Shared.NextDouble()));
                WebhookMetrics.Attempted(WebhookMetrics.Retried, took);
            }
        }
        catch (Exception ex)
        {
            // The outcome could not be written (the database is down): the lease ends and the delivery is tried again.
            LogAttemptFailed(_logger, ex, delivery.EventId, delivery.EndpointId);
        }
    }

    /// <summary>POSTs the event; the receiver's status code. Its body is not read: the status is the answer.</summary>
    private async Task<int> PostAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        var body = WebhookMessage.Body(delivery);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookMessage.EventIdHeader, delivery.EventId);
        request.Headers.Add(WebhookMessage.SignatureHeader, WebhookMessage.Signature(delivery.Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return (int)response.StatusCode;
    }

    private static string Short(string text) => text.Length <= 200 ? text : text[..200];

    public override void Dispose()
    {
        _http.Dispose();
        _pending.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook dispatch failed; retrying every poll until the database answers")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Events} alert events older than {Retention} with their deliveries")]
    private static partial void LogDeleted(ILogger logger, int events, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook dispatch works again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook event {EventId} to endpoint {EndpointId} failed after {Attempts} attempts: {Error}")]
    private static partial void LogGivenUp(ILogger logger, string eventId, string endpointId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook event {EventId} to endpoint {EndpointId}: its outcome could not be recorded; it is tried again after its lease")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string eventId, string endpointId);
}
