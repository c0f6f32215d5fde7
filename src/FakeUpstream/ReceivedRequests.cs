namespace Tollgate.FakeUpstream;

/// <summary>One request as it reached the fake: what a proxy forwarded.</summary>
/// <param name="Body">The raw body ("" when there was none).</param>
/// <param name="HasAuthorization">Whether an Authorization header came with it (never its value).</param>
/// <param name="TraceParent">The W3C <c>traceparent</c> header it carried, if any.</param>
/// <param name="AnthropicVersion">The <c>anthropic-version</c> header it carried, if any.</param>
/// <param name="AnthropicBeta">The <c>anthropic-beta</c> header it carried, if any (several, comma-separated).</param>
/// <param name="HasApiKey">Whether an <c>x-api-key</c> header (Anthropic's key) came with it (never its value).</param>
public sealed record ReceivedRequest(string Method, string Path, string Body, bool HasAuthorization, string? TraceParent = null,
    string? AnthropicVersion = null, string? AnthropicBeta = null, bool HasApiKey = false);

/// <summary>The last <see cref="Capacity"/> requests to /v1, oldest first, so tests can check what was (or wasn't) forwarded.</summary>
public sealed class ReceivedRequests
{
    public const int Capacity = 1_000;
    private readonly Queue<ReceivedRequest> _requests = new();

    public void Add(ReceivedRequest request)
    {
        lock (_requests)
        {
            if (_requests.Count == Capacity) _requests.Dequeue();
            _requests.Enqueue(request);
        }
    }

    public IReadOnlyList<ReceivedRequest> Snapshot()
    {
        lock (_requests) return [.. _requests];
    }

    public void Clear()
    {
        lock (_requests) _requests.Clear();
    }
}
