using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Tollgate.FakeUpstream;

/// <summary>Writes server-sent events one at a time, flushed as written, <c>chunk_delay_ms</c> apart.</summary>
internal sealed class SseWriter(HttpContext context, int delayMs)
{
    private bool _started;

    public async Task WriteAsync(string data, string? eventType = null)
    {
        if (_started && delayMs > 0) await Task.Delay(delayMs, context.RequestAborted);
        await StartAsync();
        var text = eventType is null ? $"data: {data}\n\n" : $"event: {eventType}\ndata: {data}\n\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>Drops the connection mid-stream: no finish, no usage, no terminator.</summary>
    public async Task AbortAsync()
    {
        await StartAsync();
        await FakeJson.AbortAsync(context);
    }

    private async Task StartAsync()
    {
        if (_started) return;
        _started = true;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        // Without this a response-buffering layer could hold events back and hide timing bugs in a proxy.
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await context.Response.StartAsync(context.RequestAborted);
    }
}
