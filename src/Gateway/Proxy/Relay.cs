using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Text.Json;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Proxy;

/// <summary>How a proxied request ended, as its usage row records it.</summary>
internal static class Outcomes
{
    public const string Success = "success";
    public const string ClientDisconnected = "client_disconnected";
    public const string UpstreamError = "upstream_error";
    public const string UpstreamTimeout = "upstream_timeout";
    public const string GatewayError = "gateway_error";
    public const string StreamTooLong = "stream_too_long";
    public const string ResponseTooLarge = "response_too_large";
}

/// <param name="Usage">What the provider reported, if it did.</param>
/// <param name="CountedOutput">
/// Output tokens the proxy counted in what it read (used when there is no usage); for an answer too large to read, the
/// output cap it was held for.
/// </param>
/// <param name="InputProcessed">
/// Whether the provider is taken to have processed the input (it began an answer, or had the whole request when the
/// client left): without usage, the input estimate is then charged.
/// </param>
/// <param name="UsageFinal">
/// Whether <paramref name="Usage"/> is the answer's last word: false for an Anthropic stream that ended before its
/// <c>message_delta</c>, whose usage so far counts the input and only the first output token.
/// </param>
internal sealed record RelayResult(string Outcome, Usage? Usage, long CountedOutput, bool InputProcessed, bool UsageFinal = true);

/// <summary>
/// One exchange with a provider: sends the request, then relays its answer to the client as it comes: a
/// stream event by event (flushed as each arrives, the usage chunk the client did not ask for left out), any
/// other answer whole. Learns the usage on the way. The provider's silence is bounded by its timeout, before
/// the answer starts and between two reads of it. A client's departure does not end the exchange at once: the
/// provider goes on and bills, so its usage is waited for within bounds (<see cref="Departure"/>).
/// </summary>
internal sealed class Relay(HttpClient http, TokenCounter counter, ILogger<Relay> logger)
{
    private const int MaxEventBytes = 16 * 1024 * 1024;
    private const int TailBytes = 64 * 1024; // of an answer too large to relay, kept to find its usage: far more than a usage object and what follows it
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <param name="body">The body for the provider (<see cref="ProxyRequest.WriteUpstreamBody"/>).</param>
    public async Task<RelayResult> ExchangeAsync(HttpContext client, ProxyRequest request, ReadOnlyMemory<byte> body, ProviderOptions provider, ProxyOptions options)
    {
        var content = new SentContent(body, Json);
        using var message = new HttpRequestMessage(HttpMethod.Post, $"{provider.BaseUrl!.TrimEnd('/')}/{request.Api.UpstreamPath}") { Content = content };
        var key = provider.ResolveApiKey();
        if (provider.ApiKind == ProviderKind.Anthropic)
        {
            // Anthropic's scheme: the provider's key in x-api-key; the API version and betas the client chose go on as it sent them.
            if (key is { Length: > 0 }) message.Headers.TryAddWithoutValidation(AnthropicHeaders.ApiKey, key);
            foreach (var name in AnthropicHeaders.PassedOn)
            {
                if (client.Request.Headers.TryGetValue(name, out var values) && values.Count > 0) message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        else if (key is { Length: > 0 })
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        message.Headers.Accept.ParseAdd(request.Stream ? "text/event-stream" : "application/json");
        ProviderTraceContext.ForwardUntraced(client.Request, message, options);

        var aborted = client.RequestAborted;
        // The provider's silence and the client's departure end the exchange separately: a client that left after its
        // request was sent gives the provider Proxy:DrainAfterDisconnect more to answer and report its usage.
        using var silence = new CancellationTokenSource(provider.Timeout);
        using var departure = new Departure(aborted, options.DrainAfterDisconnect, content);
        using var upstream = CancellationTokenSource.CreateLinkedTokenSource(silence.Token, departure.Token);
        HttpResponseMessage answer;
        try
        {
            answer = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, upstream.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // Left before the first byte: a provider that had the whole request processed its input (and bills it).
            return new RelayResult(Outcomes.ClientDisconnected, null, 0, InputProcessed: content.Sent);
        }
        catch (OperationCanceledException)
        {
            await WriteErrorAsync(client, StatusCodes.Status504GatewayTimeout, "upstream_timeout", $"The provider did not answer within {provider.Timeout.TotalSeconds:0.###} s.");
            return new RelayResult(Outcomes.UpstreamTimeout, null, 0, InputProcessed: false);
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning("Provider at {BaseUrl} unreachable: {Error}", provider.BaseUrl, ex.Message);
            await WriteErrorAsync(client, StatusCodes.Status502BadGateway, "upstream_unreachable", "The provider could not be reached.");
            return new RelayResult(Outcomes.UpstreamError, null, 0, InputProcessed: false);
        }
        using (answer)
        {
            var isStream = answer.IsSuccessStatusCode && answer.Content.Headers.ContentType?.MediaType == "text/event-stream";
            return isStream
                ? await RelayStreamAsync(client, request, answer, provider, silence, upstream.Token, options)
                : await RelayWholeAsync(client, request, answer, provider, silence, upstream.Token, options);
        }
    }

    private async Task<RelayResult> RelayWholeAsync(HttpContext client, ProxyRequest request, HttpResponseMessage answer, ProviderOptions provider,
        CancellationTokenSource silence, CancellationToken reading, ProxyOptions options)
    {
        var maxResponseBytes = options.MaxResponseBytes;
        var aborted = client.RequestAborted;
        byte[]? buffer = null;
        var length = 0;
        try
        {
            await using var content = await answer.Content.ReadAsStreamAsync(reading);
            buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(answer.Content.Headers.ContentLength ?? 16 * 1024, 1024, maxResponseBytes));
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= maxResponseBytes)
                    {
                        if (!answer.IsSuccessStatusCode) throw new InvalidDataException($"The provider's answer is larger than {maxResponseBytes} bytes.");
                        var tooLarge = await TooLargeAsync(client, request, content, buffer, length, provider, silence, reading, options);
                        ArrayPool<byte>.Shared.Return(buffer);
                        return tooLarge;
                    }
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxResponseBytes));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                silence.CancelAfter(provider.Timeout);
                var read = await content.ReadAsync(buffer.AsMemory(length), reading);
                if (read == 0) break;
                length += read;
            }
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException or InvalidDataException)
        {
            // The client left and the provider did not finish within Proxy:DrainAfterDisconnect (or failed).
            Return(buffer);
            return new RelayResult(Outcomes.ClientDisconnected, null, 0, InputProcessed: answer.IsSuccessStatusCode);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or InvalidDataException)
        {
            Return(buffer);
            var timedOut = ex is OperationCanceledException;
            await WriteErrorAsync(client, timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                timedOut ? "upstream_timeout" : "upstream_error", timedOut ? "The provider stopped answering." : $"The provider's answer was cut or unreadable: {ex.Message}");
            return new RelayResult(timedOut ? Outcomes.UpstreamTimeout : Outcomes.UpstreamError, null, 0, InputProcessed: true);
        }

        try
        {
            var (usage, counted) = ReadUsage(request, buffer.AsMemory(0, length), answer.IsSuccessStatusCode);
            var response = client.Response;
            response.StatusCode = (int)answer.StatusCode;
            response.ContentType = answer.Content.Headers.ContentType?.ToString() ?? "application/json";
            response.ContentLength = length;
            await response.Body.WriteAsync(buffer.AsMemory(0, length), aborted);
            await response.CompleteAsync();
            return new RelayResult(answer.IsSuccessStatusCode ? Outcomes.Success : Outcomes.UpstreamError, usage, counted, InputProcessed: true);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The answer was complete: the client left before or while it was being written.
            var (usage, counted) = ReadUsage(request, buffer.AsMemory(0, length), answer.IsSuccessStatusCode);
            return new RelayResult(Outcomes.ClientDisconnected, usage, counted, InputProcessed: answer.IsSuccessStatusCode);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// An answer too large to relay (Proxy:MaxResponseBytes) is a 502 to the client, but the provider bills it: its usage is
    /// read from its end, where OpenAI's answers put it, the rest discarded (at most Proxy:DrainMaxBytes more). Without
    /// it, the answer is taken to have used all the output it was held for: at that size it most likely did, and the
    /// cap the proxy sent the provider bounds it.
    /// </summary>
    private async Task<RelayResult> TooLargeAsync(HttpContext client, ProxyRequest request, Stream content, byte[] head, int headLength,
        ProviderOptions provider, CancellationTokenSource silence, CancellationToken reading, ProxyOptions options)
    {
        await WriteErrorAsync(client, StatusCodes.Status502BadGateway, Outcomes.ResponseTooLarge,
            $"The provider's answer is larger than this gateway relays ({options.MaxResponseBytes} bytes).");
        try
        {
            await client.Response.CompleteAsync(); // the client has its answer while the rest is read
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client left: the charge is the same.
        }

        const int window = 2 * TailBytes;
        var tail = ArrayPool<byte>.Shared.Rent(window);
        Usage? usage = null;
        long beyond = 0;
        try
        {
            var kept = Math.Min(headLength, TailBytes);
            head.AsSpan(headLength - kept, kept).CopyTo(tail);
            while (true)
            {
                if (kept == window)
                {
                    tail.AsSpan(TailBytes, TailBytes).CopyTo(tail);
                    kept = TailBytes;
                }
                silence.CancelAfter(provider.Timeout);
                var read = await content.ReadAsync(tail.AsMemory(kept, window - kept), reading);
                if (read == 0)
                {
                    usage = UsageAtEnd(request, tail.AsSpan(0, kept));
                    break;
                }
                kept += read;
                if ((beyond += read) > options.DrainMaxBytes) break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // The provider stopped, or its client left and Proxy:DrainAfterDisconnect is over: no usage.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(tail);
        }
        logger.LogWarning("Provider at {BaseUrl} answered more than {Max} bytes (Proxy:MaxResponseBytes): a 502, charged {Charge}",
            provider.BaseUrl, options.MaxResponseBytes, usage is null ? "its input estimate and output cap" : "its usage");
        return new RelayResult(Outcomes.ResponseTooLarge, usage, usage is null ? request.OutputCap : 0, InputProcessed: true);
    }

    /// <summary>The last "usage" object in the end of an answer (a quote in a JSON string is escaped, so no text passes for the name).</summary>
    private static Usage? UsageAtEnd(ProxyRequest request, ReadOnlySpan<byte> tail)
    {
        for (var end = tail.Length; tail[..end].LastIndexOf("\"usage\""u8) is var at and >= 0; end = at)
        {
            var rest = tail[(at + 7)..].TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty || rest[0] != (byte)':') continue;
            var value = rest[1..];
            try
            {
                var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = 64 });
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.TrySkip()) continue;
                var holder = new byte[reader.BytesConsumed + 10];
                "{\"usage\":"u8.CopyTo(holder);
                value[..(int)reader.BytesConsumed].CopyTo(holder.AsSpan(9));
                holder[^1] = (byte)'}';
                using var document = JsonDocument.Parse(holder);
                if (request.Api.TryGetUsage(document.RootElement, out var usage)) return usage;
            }
            catch (JsonException)
            {
                // Not a usage object after all: look further back.
            }
        }
        return null;
    }

    /// <summary>The usage of a whole answer; without one, the output counted in a successful answer's text.</summary>
    private (Usage? Usage, long Counted) ReadUsage(ProxyRequest request, ReadOnlyMemory<byte> answer, bool success)
    {
        try
        {
            using var document = JsonDocument.Parse(answer, new JsonDocumentOptions { MaxDepth = 256 });
            if (document.RootElement.ValueKind != JsonValueKind.Object) return (null, 0);
            if (request.Api.TryGetUsage(document.RootElement, out var usage)) return (usage, 0);
            return (null, success ? CountOutput(request, document.RootElement) : 0);
        }
        catch (JsonException)
        {
            return (null, 0); // not JSON: nothing reported, nothing to count
        }
    }

    private async Task<RelayResult> RelayStreamAsync(HttpContext client, ProxyRequest request, HttpResponseMessage answer, ProviderOptions provider,
        CancellationTokenSource silence, CancellationToken upstreamToken, ProxyOptions options)
    {
        // The longest stream relayed (Proxy:MaxStreamDuration): it bounds how long a request holds credit and slots.
        var maxDuration = options.MaxStreamDuration;
        using var tooLong = new CancellationTokenSource(maxDuration);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(upstreamToken, tooLong.Token);
        var aborted = client.RequestAborted;
        var response = client.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // a buffering proxy in front would hold the events back

        var tally = new StreamTally();
        PipeReader? upstream = null;
        var clientLeft = false;
        try
        {
            upstream = PipeReader.Create(await answer.Content.ReadAsStreamAsync(reading.Token));
            clientLeft = !await DeliverAsync(response, aborted);
            while (!clientLeft)
            {
                silence.CancelAfter(provider.Timeout);
                var read = await upstream.ReadAsync(reading.Token);
                var buffer = read.Buffer;
                while (ServerSentEvent.TryRead(ref buffer, out var rawEvent))
                {
                    if (Inspect(request, rawEvent, tally)) Copy(rawEvent, response.BodyWriter);
                }
                upstream.AdvanceTo(buffer.Start, buffer.End);
                clientLeft = !await DeliverAsync(response, aborted);
                if (clientLeft || read.IsCompleted) break;
                if (buffer.Length > MaxEventBytes) throw new InvalidDataException($"A stream event is larger than {MaxEventBytes} bytes.");
            }
            if (!clientLeft) await upstream.CompleteAsync();
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException or InvalidDataException)
        {
            clientLeft = true;
        }
        catch (OperationCanceledException) when (tooLong.IsCancellationRequested)
        {
            // Ended cleanly: the client gets an error event and the end of the stream; what was relayed is charged.
            logger.LogWarning("Stream from {BaseUrl} ended by the gateway after {Seconds} s (Proxy:MaxStreamDuration)", provider.BaseUrl, maxDuration.TotalSeconds);
            await WriteStreamErrorAsync(client, request, Outcomes.StreamTooLong,
                $"The stream ran longer than this gateway relays one ({maxDuration.TotalSeconds:0.###} s): it was ended.");
            return new RelayResult(Outcomes.StreamTooLong, tally.Usage, tally.Counted, InputProcessed: true, tally.UsageFinal);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or InvalidDataException)
        {
            var timedOut = ex is OperationCanceledException;
            logger.LogWarning("Stream from {BaseUrl} {What}: {Error}", provider.BaseUrl, timedOut ? "timed out" : "was cut", ex.Message);
            await WriteStreamErrorAsync(client, request, timedOut ? "upstream_timeout" : "upstream_error",
                timedOut ? "The provider stopped sending the stream." : "The provider's stream was cut.");
            return new RelayResult(timedOut ? Outcomes.UpstreamTimeout : Outcomes.UpstreamError, tally.Usage, tally.Counted, InputProcessed: true, tally.UsageFinal);
        }
        if (clientLeft)
        {
            // Its answer is lost, but the provider goes on (and charges): read on for its usage.
            if (upstream is not null && !tally.Ended && !tally.UsageFinal)
                await DrainAsync(request, upstream, tally, silence, provider.Timeout, reading.Token, options.DrainMaxBytes);
            return new RelayResult(Outcomes.ClientDisconnected, tally.Usage, tally.Counted, InputProcessed: true, tally.UsageFinal);
        }
        if (!tally.Ended && !tally.Failed)
        {
            await WriteStreamErrorAsync(client, request, "upstream_error", "The provider's stream ended before it was complete.");
            return new RelayResult(Outcomes.UpstreamError, tally.Usage, tally.Counted, InputProcessed: true, tally.UsageFinal);
        }
        try
        {
            await response.CompleteAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return new RelayResult(Outcomes.ClientDisconnected, tally.Usage, tally.Counted, InputProcessed: true, tally.UsageFinal);
        }
        return new RelayResult(tally.Failed ? Outcomes.UpstreamError : Outcomes.Success, tally.Usage, tally.Counted, InputProcessed: true, tally.UsageFinal);
    }

    /// <summary>
    /// Reads a stream on after its client left, discarding it, until the provider's final usage (or the stream's end) shows
    /// (Anthropic's <c>message_delta</c>, not the <c>message_start</c> whose usage counts one output token):
    /// within Proxy:DrainAfterDisconnect of the departure (<paramref name="token"/>) and Proxy:DrainMaxBytes. Whatever stops
    /// it, the tally holds what was seen, so the request is charged the provider's usage or, without it, the estimate.
    /// </summary>
    private async Task DrainAsync(ProxyRequest request, PipeReader upstream, StreamTally tally, CancellationTokenSource silence, TimeSpan timeout,
        CancellationToken token, long maxBytes)
    {
        long drained = 0;
        try
        {
            while (!tally.UsageFinal && !tally.Ended)
            {
                silence.CancelAfter(timeout);
                var read = await upstream.ReadAsync(token);
                var buffer = read.Buffer;
                while (!tally.UsageFinal && ServerSentEvent.TryRead(ref buffer, out var rawEvent))
                {
                    drained += rawEvent.Length;
                    Inspect(request, rawEvent, tally);
                }
                upstream.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted || drained + buffer.Length > maxBytes) break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // Time is up, or the provider stopped: what was seen stands.
        }
        logger.LogDebug("Read {Bytes} bytes of a stream after its client left: the provider's usage {Seen}", drained, tally.UsageFinal ? "seen" : "not seen");
    }

    /// <summary>Reads one event for metering; false when the client must not see it (the usage chunk it did not ask for).</summary>
    private bool Inspect(ProxyRequest request, ReadOnlySequence<byte> rawEvent, StreamTally tally)
    {
        var data = ServerSentEvent.Data(rawEvent);
        if (data.IsEmpty) return true;
        if (data.Length == 6 && data.FirstSpan.Length == 6 && data.FirstSpan.SequenceEqual("[DONE]"u8))
        {
            tally.Ended = true;
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(data, new JsonDocumentOptions { MaxDepth = 256 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return true;
            if (ProxyApi.IsError(root)) tally.Failed = true;
            if (request.Api.IsEnd(root)) tally.Ended = true;
            if (request.Api.TryGetUsage(root, out var reported))
            {
                tally.Usage = tally.Usage is { } earlier ? earlier.Merge(reported) : reported;
                if (request.Api.IsFinalUsage(root)) tally.UsageFinal = true;
                // The usage chunk of chat and completions streams has no choices: drop it unless the client asked for it.
                if (request.Api.UsageOnRequest && !request.ClientAskedUsage
                    && root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() == 0)
                    return false;
            }
            tally.Counted += CountOutput(request, root);
            return true;
        }
        catch (JsonException)
        {
            return true; // not JSON: relayed as it is, counted as nothing
        }
    }

    private long CountOutput(ProxyRequest request, JsonElement data)
    {
        long tokens = 0;
        foreach (var text in request.Api.OutputText(data)) tokens += counter.Text(text, request.Model);
        return tokens;
    }

    /// <summary>
    /// Starts the response if need be and flushes what was written; false when the client is gone (Kestrel can tell by
    /// the flush before RequestAborted fires).
    /// </summary>
    private static async Task<bool> DeliverAsync(HttpResponse response, CancellationToken aborted)
    {
        try
        {
            if (!response.HasStarted) await response.StartAsync(aborted);
            var flushed = await response.BodyWriter.FlushAsync(aborted);
            return !flushed.IsCanceled && !flushed.IsCompleted;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static void Copy(ReadOnlySequence<byte> bytes, PipeWriter writer)
    {
        foreach (var segment in bytes) writer.Write(segment.Span);
    }

    private static void Return(byte[]? buffer)
    {
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }

    private static async Task WriteErrorAsync(HttpContext client, int status, string code, string message)
    {
        if (client.Response.HasStarted || client.RequestAborted.IsCancellationRequested) return;
        client.Response.StatusCode = status;
        try
        {
            await ErrorHandling.WriteBodyAsync(client, new ErrorDetail(message, ErrorDetail.TypeOf(status), null, code));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client left too.
        }
    }

    /// <summary>A stream cannot change its status once begun: its failure is told as a last event, which the SDKs raise as an error.</summary>
    private static async Task WriteStreamErrorAsync(HttpContext client, ProxyRequest request, string code, string message)
    {
        if (client.RequestAborted.IsCancellationRequested) return;
        var error = request.Api == ProxyApi.Responses
            ? $"event: error\ndata: {JsonSerializer.Serialize(new StreamError("error", code, message, null), ProxyJson.Default.StreamError)}\n\n"
            : request.Api.Kind == ProviderKind.Anthropic
            // Anthropic's streams fail with an error event, which its SDK raises as an APIError of the body's type.
            ? $"event: error\ndata: {AnthropicErrors.Json(client, code == Outcomes.UpstreamError ? StatusCodes.Status502BadGateway : StatusCodes.Status504GatewayTimeout, code, message)}\n\n"
            : $"data: {{\"error\":{JsonSerializer.Serialize(new ErrorDetail(message, "server_error", null, code), ProxyJson.Default.ErrorDetail)}}}\n\n";
        try
        {
            if (!client.Response.HasStarted) return;
            await client.Response.WriteAsync(error, client.RequestAborted);
            await client.Response.CompleteAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client left too.
        }
    }
}

/// <summary>What a stream has shown so far, for metering.</summary>
internal sealed class StreamTally
{
    public Usage? Usage { get; set; }

    /// <summary>The usage seen is the answer's whole (<see cref="ProxyApi.IsFinalUsage"/>): a stream read on after its client left can stop.</summary>
    public bool UsageFinal { get; set; }

    /// <summary>Output tokens counted in its text (charged when there is no usage).</summary>
    public long Counted { get; set; }

    public bool Ended { get; set; }

    public bool Failed { get; set; }
}

/// <summary>The Responses API's error event.</summary>
internal sealed record StreamError(string Type, string Code, string Message, string? Param);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(StreamError))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorDetail))]
internal sealed partial class ProxyJson : System.Text.Json.Serialization.JsonSerializerContext;
