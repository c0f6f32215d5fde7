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

    /// <summary>Sends the headers (promising the whole length) and half the body, then cuts the connection (see <see cref="CutAsync"/>).</summary>
    public static async Task WriteHalfAndCutAsync(HttpContext context, JsonNode body)
    {
        var bytes = Encoding.UTF8.GetBytes(Text(body));
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), context.RequestAborted);
        // The rest goes nowhere after a cut; written, it keeps Kestrel from logging the body as an app error (too few bytes).
        if (await CutAsync(context)) await context.Response.Body.WriteAsync(bytes.AsMemory(bytes.Length / 2), CancellationToken.None);
    }

    /// <summary>
    /// Cuts the connection after what was written, as a dropped upstream connection does: the client reads every byte
    /// written so far, then the connection closes with the body unfinished (a chunked body without its last chunk, or
    /// fewer bytes than the Content-Length promised), so its read fails with an <see cref="IOException"/>. Through
    /// <see cref="ConnectionCut"/> this does not depend on timing. True when so cut.
    /// </summary>
    /// <remarks>
    /// Without that feature (a server without the fake's connection middleware), it falls back to a reset
    /// (<see cref="HttpContext.Abort"/>) after a moment for the transport to send what was written: under load that can
    /// be too short, and the client then loses the bytes not yet sent, even the headers.
    /// </remarks>
    public static async Task<bool> CutAsync(HttpContext context)
    {
        await context.Response.Body.FlushAsync(context.RequestAborted);
        if (context.Features.Get<ConnectionCut>() is { } cut)
        {
            cut.Cut();
            return true;
        }
        await Task.Delay(AbortLinger, context.RequestAborted);
        context.Abort();
        return false;
    }
}
