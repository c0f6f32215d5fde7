using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>Serialises response bodies, whole or (for <c>fake.cut_after</c>) half-written.</summary>
internal static class FakeJson
{
    // Readable output ("+" in base64 stays "+"); the bodies never reach a browser.
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly TimeSpan AbortLinger = TimeSpan.FromMilliseconds(100);

    public static string Text(JsonNode node) => node.ToJsonString(Options);

    public static async Task WriteAsync(HttpContext context, JsonNode body, int status = StatusCodes.Status200OK)
    {
        var bytes = Encoding.UTF8.GetBytes(Text(body));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>Sends the headers (promising the whole length) and half the body, then drops the connection.</summary>
    public static async Task WriteHalfAndAbortAsync(HttpContext context, JsonNode body)
    {
        var bytes = Encoding.UTF8.GetBytes(Text(body));
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), context.RequestAborted);
        await AbortAsync(context);
    }

    /// <summary>
    /// Resets the connection after what was written. The reset makes the client's kernel drop bytes it has not read yet,
    /// so the fake first gives it a moment to read them: a client should see the chunks before the failure, as from a real upstream.
    /// </summary>
    public static async Task AbortAsync(HttpContext context)
    {
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await Task.Delay(AbortLinger, context.RequestAborted);
        context.Abort();
    }
}
