using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Tollgate.FakeUpstream;

/// <summary>
/// Writes server-sent events one at a time, flushed as written, <c>chunk_delay_ms</c> apart; with <c>hold</c>, the
/// events after the first wait until that gate opens.
/// </summary>
internal sealed class SseWriter(HttpContext context, FakeControl fake)
{
    private bool _started;
    private bool _held;

    public async Task WriteAsync(string data, string? eventType = null)
    {
        if (_started && fake.ChunkDelayMs > 0) await Task.Delay(fake.ChunkDelayMs, context.RequestAborted);
        if (_started && !_held && fake.Hold is { } gate)
        {
            _held = true;
            await context.RequestServices.GetRequiredService<FakeGates>().WaitAsync(gate, context.RequestAborted);
        }
        await StartAsync();
        var text = eventType is null ? $"data: {data}\n\n" : $"event: {eventType}\ndata: {data}\n\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>Cuts the connection mid-stream: no finish, no usage, no terminator (see <see cref="FakeJson.CutAsync"/>).</summary>
    public async Task CutAsync()
    {
        await StartAsync();
        await FakeJson.CutAsync(context);
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
