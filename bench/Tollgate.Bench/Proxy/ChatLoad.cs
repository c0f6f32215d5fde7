using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Tollgate.Bench.Load;

namespace Tollgate.Bench.Proxy;

/// <summary>The API a target is called through: OpenAI's chat completions, or Anthropic's Messages API.</summary>
internal enum BenchApi
{
    Chat,
    Messages,
}

/// <summary>Where the requests go: the fake upstream itself, or the Tollgate proxy in front of it (same fake), through <paramref name="Api"/>.</summary>
/// <param name="Keys">
/// Keys, taken in turn: the provider's key for the fake, Tollgate keys (tg_…) for the proxy; sent as each API's clients send them
/// (a bearer token to chat completions, <c>x-api-key</c> to the Messages API).
/// </param>
internal sealed record ChatTarget(string Name, HttpClient Http, Uri ChatUrl, string Model, IReadOnlyList<string> Keys, BenchApi Api = BenchApi.Chat)
{
    private int _next = -1;

    public string NextKey() => Keys[(int)((uint)Interlocked.Increment(ref _next) % (uint)Keys.Count)];

    /// <summary>The last event of a complete stream: chat's <c>[DONE]</c>, or Anthropic's <c>message_stop</c>.</summary>
    public string StreamEnd => Api == BenchApi.Messages ? """data: {"type":"message_stop"}""" : "data: [DONE]";
}

/// <summary>What one open-loop run measured. Latencies count from each request's scheduled send time.</summary>
internal sealed class ChatRun
{
    public required string Target { get; init; }
    public required double Rate { get; init; }
    public required bool Streamed { get; init; }
    public long Scheduled { get; set; }
    public long Succeeded;
    public double Seconds { get; set; }
    public LatencyHistogram Latency { get; } = new();   // whole answer (non-streamed) or whole stream
    public LatencyHistogram FirstByte { get; } = new(); // streams: to the first data: event, complete
    public ConcurrentDictionary<string, long> Errors { get; } = new();
    public TimeSpan MaxDispatchLag { get; set; }
    public int MaxInFlight { get; set; }
    public TimeSpan CpuTime { get; set; }
    public TimeSpan GcPaused { get; set; }
    public int Gen2 { get; set; }
    public TimeSpan JitTime { get; set; }
    public long JitMethods { get; set; }

    public double AchievedRate => Succeeded / Seconds;

    /// <summary>This process's CPU per request (silo, gateway, fake and load generator together), in µs.</summary>
    public double CpuMicrosPerRequest => CpuTime.TotalMicroseconds / Math.Max(1, Scheduled);

    public void Error(string kind) => Errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
}

/// <summary>
/// Open-loop chat load: requests start on a fixed schedule whether or not earlier ones have finished, and each
/// latency is measured from its scheduled start, so a stall on the target's side (or the generator's) counts
/// against every request it delayed (no coordinated omission).
/// </summary>
internal static class ChatLoad
{
    private const int MaxInFlight = 20_000; // beyond this the target has fallen behind: count, do not pile up

    public static HttpClient Client() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue, // every in-flight request may need its own HTTP/1.1 connection
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        MeterFactory = Load.GeneratorHttp.Meters,
    })
    { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>
    /// A small chat request (two short messages, up to 16 tokens out); streamed with 20 chunks 5 ms apart. <paramref name="askUsage"/>:
    /// ask for the usage event, as the proxy does of the upstream, so that direct and proxied streams make the fake do the same.
    /// On the Messages API the same conversation, its system message as Anthropic's <c>system</c> (whose streams always report usage).
    /// </summary>
    public static byte[] Body(string model, bool stream, int chunks = 20, int chunkDelayMs = 5, int outputTokens = 40, bool askUsage = false,
        BenchApi api = BenchApi.Chat)
    {
        const string system = "You are a helpful assistant.";
        const string user = """{"role":"user","content":"Say hello in five words."}""";
        var conversation = api == BenchApi.Messages
            ? $$"""
               "system":"{{system}}","messages":[{{user}}]
               """
            : $$"""
               "messages":[{"role":"system","content":"{{system}}"},{{user}}]
               """;
        var usage = askUsage && api == BenchApi.Chat ? ""","stream_options":{"include_usage":true}""" : "";
        var json = stream
            ? $$"""{"model":"{{model}}",{{conversation}},"max_tokens":{{outputTokens}},"stream":true{{usage}},"fake":{"chunks":{{chunks}},"chunk_delay_ms":{{chunkDelayMs}},"output_tokens":{{outputTokens}}""" + "}}"
            : $$"""{"model":"{{model}}",{{conversation}},"max_tokens":16}""";
        return Encoding.UTF8.GetBytes(json);
    }

    public static async Task<ChatRun> RunAsync(ChatTarget target, byte[] body, bool streamed, double rate, TimeSpan duration)
    {
        var run = new ChatRun { Target = target.Name, Rate = rate, Streamed = streamed };
        var inFlight = new ConcurrentDictionary<long, Task>();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var paused = GC.GetTotalPauseDuration();
        var gen2 = GC.CollectionCount(2);
        var (jitTime, jitMethods) = (System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());
        var begin = Stopwatch.GetTimestamp();
        var total = (long)(rate * duration.TotalSeconds);
        var maxLag = 0L;
        for (long i = 0; i < total; i++)
        {
            var due = begin + (long)(i / rate * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            maxLag = Math.Max(maxLag, Stopwatch.GetTimestamp() - due);
            run.Scheduled++;
            if (inFlight.Count >= MaxInFlight)
            {
                run.Error("not_started_backlog");
                continue;
            }
            run.MaxInFlight = Math.Max(run.MaxInFlight, inFlight.Count + 1);
            var index = i;
            inFlight[index] = SendAsync(target, body, streamed, due, run).ContinueWith(_ => inFlight.TryRemove(index, out var _), TaskScheduler.Default);
        }
        await Task.WhenAll(inFlight.Values);
        run.Seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        run.MaxDispatchLag = TimeSpan.FromSeconds((double)maxLag / Stopwatch.Frequency);
        run.CpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        run.GcPaused = GC.GetTotalPauseDuration() - paused;
        run.Gen2 = GC.CollectionCount(2) - gen2;
        run.JitTime = System.Runtime.JitInfo.GetCompilationTime() - jitTime;
        run.JitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods;
        return run;
    }

    private static async Task SendAsync(ChatTarget target, byte[] body, bool streamed, long due, ChatRun run)
    {
        try
        {
            using var request = Request(target, body, streamed);
            using var response = await target.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
            {
                run.Error($"http_{(int)response.StatusCode}");
                return;
            }
            await using var content = await response.Content.ReadAsStreamAsync();
            if (streamed)
            {
                var stream = await ReadStreamAsync(content, due, target.StreamEnd, firstEventRead: null);
                if (!stream.Done)
                {
                    run.Error("stream_without_done");
                    return;
                }
                run.FirstByte.Record(stream.FirstEvent);
            }
            else
            {
                await content.CopyToAsync(Stream.Null);
            }
            run.Latency.Record(Stopwatch.GetElapsedTime(due));
            Interlocked.Increment(ref run.Succeeded);
        }
        catch (TaskCanceledException)
        {
            run.Error("timeout");
        }
        catch (HttpRequestException ex)
        {
            run.Error($"http_error: {ex.HttpRequestError}");
        }
        catch (IOException)
        {
            run.Error("io_error");
        }
    }

    public static HttpRequestMessage Request(ChatTarget target, byte[] body, bool streamed)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target.ChatUrl)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        if (target.Api == BenchApi.Messages)
        {
            request.Headers.Add("x-api-key", target.NextKey());
            request.Headers.Add("anthropic-version", "2023-06-01");
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.NextKey());
        }
        request.Headers.Accept.ParseAdd(streamed ? "text/event-stream" : "application/json");
        return request;
    }

    /// <param name="FirstEvent">From the scheduled start to the end of the first <c>data:</c> event's body (its blank line).</param>
    /// <param name="Done">Whether the stream ended with its API's last event (<see cref="ChatTarget.StreamEnd"/>).</param>
    public readonly record struct StreamRead(TimeSpan FirstEvent, bool Done, int Events);

    /// <summary>Reads a server-sent event stream to its end; <paramref name="firstEventRead"/> is told when the first data event is complete.</summary>
    public static async Task<StreamRead> ReadStreamAsync(Stream content, long due, string end, Action? firstEventRead)
    {
        var buffer = new byte[4 * 1024];
        var seen = new List<byte>(2 * 1024);
        TimeSpan? first = null;
        while (true)
        {
            var read = await content.ReadAsync(buffer);
            if (read == 0) break;
            seen.AddRange(buffer.AsSpan(0, read));
            if (first is null && FirstEventComplete(seen))
            {
                first = Stopwatch.GetElapsedTime(due);
                firstEventRead?.Invoke();
            }
        }
        var text = Encoding.UTF8.GetString(seen.ToArray());
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Count(e => e.StartsWith("data:", StringComparison.Ordinal));
        return new StreamRead(first ?? TimeSpan.Zero, text.TrimEnd().EndsWith(end, StringComparison.Ordinal), events);
    }

    private static bool FirstEventComplete(List<byte> seen)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(seen);
        var data = span.IndexOf("data:"u8);
        return data >= 0 && span[data..].IndexOf("\n\n"u8) >= 0;
    }
}
