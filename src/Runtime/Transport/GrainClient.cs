using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Tollgate.Runtime.Cluster;

namespace Tollgate.Runtime.Transport;

/// <summary>
/// Calls grains on remote silos over HTTP/2, through one call stream per silo (<see cref="SiloConnection"/>).
/// Routes each call to the silo serving its partition and retries, a bounded number of times with backoff, when the
/// silo is unreachable, misdirected or briefly unavailable: every grain message is idempotent.
/// </summary>
public sealed class GrainClient : IGrainCaller, IDisposable
{
    private readonly HttpMessageInvoker _http;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Uri, SiloConnection> _connections = new();
    private readonly Lock _connecting = new();
    private readonly MessageCatalog _messages;
    private readonly ISiloDirectory _directory;
    private readonly Partitioner _partitioner;
    private readonly ClusterClientOptions _options;
    private readonly ILogger _logger;
    private long _retries;

    public GrainClient(MessageCatalog messages, ISiloDirectory directory, ClusterClientOptions options, ILogger<GrainClient> logger)
    {
        _messages = messages;
        _directory = directory;
        _options = options;
        _logger = logger;
        _partitioner = new Partitioner(options.PartitionCount);
        _http = new HttpMessageInvoker(new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            // A call stream lives long: pings tell a dead silo (no RST from a lost host) from a quiet one.
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        });
    }

    /// <summary>Attempts that failed and were retried, since start (redirects, unreachable or unavailable silos).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public async Task<TResponse> CallAsync<TResponse>(GrainId grain, IGrainRequest<TResponse> request, CancellationToken cancellationToken = default)
    {
        var type = _messages.Get(request.GetType());
        var payload = type.SerializeRequest(request);
        var partition = _partitioner.PartitionOf(grain);
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CallTimeout);

        HashSet<string>? redirectedBy = null;
        for (var attempt = 1; ; attempt++)
        {
            var silo = _directory.SiloFor(partition);
            var remaining = _options.CallTimeout - Stopwatch.GetElapsedTime(started);
            GrainException failure;
            try
            {
                var envelope = CallEnvelope.Write(grain, type.Name, (int)Math.Max(1, remaining.TotalMilliseconds), payload);
                using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                attemptTimeout.CancelAfter(_options.AttemptTimeout);
                var answer = await ConnectionTo(silo).CallAsync(envelope, attemptTimeout.Token).ConfigureAwait(false);
                if (answer.Status == CallAnswer.Ok) return (TResponse)type.DeserializeResponse(answer.Body)!;
                failure = ReadError((HttpStatusCode)answer.Status, answer.Body);
                if (!failure.IsTransient) throw failure;
            }
            catch (GrainException ex) when (ex.Code is GrainErrorCodes.Unavailable or GrainErrorCodes.Overloaded)
            {
                failure = ex; // the stream to the silo broke, or its queue is full
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new GrainException(GrainErrorCodes.Timeout, $"The call to {grain} did not complete within {_options.CallTimeout.TotalSeconds:0.#} s; its effect is unknown.", ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // This attempt hung (a stalled silo): try again, perhaps elsewhere. Safe: every message is idempotent.
                failure = new GrainException(GrainErrorCodes.Unavailable, $"Silo {silo} did not answer within {_options.AttemptTimeout.TotalSeconds:0.#} s.", ex);
            }

            if (attempt >= _options.MaxAttempts || failure.Code == GrainErrorCodes.Timeout) throw failure;
            _logger.LogDebug("Call to {Grain} failed with {Code} (attempt {Attempt}); retrying", grain, failure.Code, attempt);
            Interlocked.Increment(ref _retries);
            try
            {
                await _directory.OnFailureAsync(partition, silo, failure.RedirectTo, timeout.Token).ConfigureAwait(false);
                // A redirect names the new owner: go there at once, unless that silo already redirected this
                // call (two silos each pointing at the other while a handoff settles); otherwise back off.
                var goAtOnce = failure.RedirectTo is not null && (redirectedBy ??= []).Add(silo.ToString()) && !redirectedBy.Contains(failure.RedirectTo.TrimEnd('/') + "/");
                if (!goAtOnce) await Task.Delay(Backoff(attempt), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw failure;
            }
        }
    }

    /// <summary>Exponential backoff with jitter: about 10, 20, 40 … ms, at most 500 ms.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(500, 10 << Math.Min(attempt - 1, 6)) * (0.5 + Random.Shared.NextDouble() / 2));

    private static GrainException ReadError(HttpStatusCode status, byte[] content)
    {
        try
        {
            var error = JsonSerializer.Deserialize(content, TransportJsonContext.Default.CallError);
            if (error is not null) return new GrainException(error.Code, error.Message) { RedirectTo = error.RedirectTo };
        }
        catch (JsonException)
        {
        }
        return status == HttpStatusCode.ServiceUnavailable
            ? new GrainException(GrainErrorCodes.Unavailable, "The silo is unavailable.")
            : new GrainException(GrainErrorCodes.Internal, $"The silo answered {(int)status} without an error body.");
    }

    /// <summary>The silo's call stream, opening a new one when there is none or it broke.</summary>
    private SiloConnection ConnectionTo(Uri silo)
    {
        if (_connections.TryGetValue(silo, out var connection) && !connection.IsBroken) return connection;
        lock (_connecting)
        {
            if (_connections.TryGetValue(silo, out connection) && !connection.IsBroken) return connection;
            connection?.Dispose();
            return _connections[silo] = new SiloConnection(_http, silo, _logger);
        }
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values) connection.Dispose();
        _http.Dispose();
    }
}
