using System.Diagnostics;
using Tollgate.Bench.Memory;

namespace Tollgate.Bench.Proxy;

/// <summary>What holding N slow streams open at once cost this process, and what was left once they ended.</summary>
internal sealed record StreamMemory(
    string Target, int Streams, int Opened, ProcessMemory Before, ProcessMemory Open, ProcessMemory After, TimeSpan OpenTime, TimeSpan Lifetime,
    IReadOnlyDictionary<string, long> Errors)
{
    public double LiveBytesPerStream => (double)(Open.LiveBytes - Before.LiveBytes) / Math.Max(1, Opened);

    public double WorkingSetPerStream => (double)(Open.WorkingSetBytes - Before.WorkingSetBytes) / Math.Max(1, Opened);

    public double LeftPerStream => (double)(After.LiveBytes - Before.LiveBytes) / Math.Max(1, Opened);
}

/// <summary>
/// Opens <c>streams</c> slow streams (the fake waits <c>chunk_delay_ms</c> between events), waits until every one
/// has its first event, measures the process (full compacting collections), then lets them run to their end and
/// measures again.
/// </summary>
internal static class OpenStreams
{
    public static async Task<StreamMemory> MeasureAsync(ChatTarget target, int streams, double openRate, int chunkDelayMs)
    {
        var body = ChatLoad.Body(target.Model, stream: true, chunks: 1, chunkDelayMs: chunkDelayMs, outputTokens: 1, askUsage: target.Name == "direct");
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        void Error(string kind) => errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
        var before = ManagedHeap.Snapshot();
        var opened = 0;
        var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var settled = 0; // opened or failed
        void Settled()
        {
            if (Interlocked.Increment(ref settled) == streams) allOpen.TrySetResult();
        }
        var begin = Stopwatch.GetTimestamp();
        var tasks = new List<Task>(streams);
        for (var i = 0; i < streams; i++)
        {
            var due = begin + (long)(i / openRate * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            tasks.Add(Task.Run(async () =>
            {
                var first = false;
                try
                {
                    using var request = ChatLoad.Request(target, body, streamed: true);
                    using var response = await target.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    if (!response.IsSuccessStatusCode)
                    {
                        Error($"http_{(int)response.StatusCode}");
                        return;
                    }
                    await using var content = await response.Content.ReadAsStreamAsync();
                    var read = await ChatLoad.ReadStreamAsync(content, due, target.StreamEnd, () =>
                    {
                        first = true;
                        Interlocked.Increment(ref opened);
                        Settled();
                    });
                    if (!read.Done) Error("stream_without_done");
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
                {
                    Error(ex.GetType().Name);
                }
                finally
                {
                    if (!first) Settled();
                }
            }));
        }
        await allOpen.Task.WaitAsync(TimeSpan.FromSeconds(120));
        var openTime = Stopwatch.GetElapsedTime(begin);
        var open = ManagedHeap.Snapshot();
        Console.WriteLine($"  {target.Name}: {opened:N0} streams open after {openTime.TotalSeconds:F1} s; live heap +{(open.LiveBytes - before.LiveBytes) / 1024.0 / 1024:F1} MiB, working set +{(open.WorkingSetBytes - before.WorkingSetBytes) / 1024.0 / 1024:F1} MiB");
        await Task.WhenAll(tasks);
        var lifetime = Stopwatch.GetElapsedTime(begin);
        var after = ManagedHeap.Snapshot();
        return new StreamMemory(target.Name, streams, opened, before, open, after, openTime, lifetime, errors);
    }
}
