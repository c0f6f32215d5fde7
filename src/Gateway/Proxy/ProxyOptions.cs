namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The <c>Proxy</c> section of the gateway's configuration. Read on every request, so an edit of a
/// reloadable source (appsettings.json, say) applies without a restart; which model goes to which
/// provider is the model's route, set through the admin API and shared by the whole fleet.
/// </summary>
public sealed class ProxyOptions
{
    /// <summary>Upstream providers by name: the name a model's route gives.</summary>
    public Dictionary<string, ProviderOptions> Providers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Output tokens held for a request that does not cap its output (no <c>max_tokens</c> or the like).</summary>
    public long DefaultMaxOutputTokens { get; set; } = 4096;

    /// <summary>
    /// Peers whose <c>X-Forwarded-For</c> is believed (addresses or CIDR ranges, e.g. <c>10.0.0.0/8</c>). The caller
    /// is the right-most address not in them; with none configured, the caller is the connection's peer.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Largest request body forwarded (images and long contexts make LLM requests large).</summary>
    public int MaxRequestBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Largest non-streamed upstream answer relayed (it is read whole, to find its usage). A larger one is a 502, charged
    /// by the usage at its end (<see cref="DrainMaxBytes"/>).
    /// </summary>
    public int MaxResponseBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// How long a request's hold (and its limits' slots) outlast the gateway's last sign of life: it is taken for this
    /// long and renewed every third of it while the request runs, so a gateway that dies mid-request leaves it for
    /// at most this long. Whole seconds, 3 s to 1 h.
    /// </summary>
    public TimeSpan HoldLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The longest a stream is relayed: the relay then ends it with an error event and charges what was relayed. With
    /// the provider's <see cref="ProviderOptions.Timeout"/> before it, it bounds how long a request is renewed.
    /// </summary>
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long the gateway goes on reading a provider's answer after its client left, to charge the provider's own
    /// usage (which a stream reports at its end) rather than an estimate of what was relayed. Zero turns it off.
    /// </summary>
    public TimeSpan DrainAfterDisconnect { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most the gateway reads (and discards) of a stream after its client left, or of a non-streamed answer past
    /// <see cref="MaxResponseBytes"/>, looking for the provider's usage: it bounds what an answer nobody receives still
    /// costs. 4 MiB is a fast model's half minute of stream events.
    /// </summary>
    public int DrainMaxBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Whether a provider gets the request's W3C trace context (<c>traceparent</c>, <c>tracestate</c>, baggage). Off by
    /// default: the gateway's request continues the caller's trace, and a third party has no business with its ids.
    /// </summary>
    public bool ForwardTraceContext { get; set; }

    /// <summary>What to do when the cluster cannot authorize a request (see <see cref="OutageAllowance"/>).</summary>
    public OutageOptions Outage { get; set; } = new();

    /// <summary>The hold's TTL in whole seconds, as the grains take it.</summary>
    public int HoldLeaseSeconds => (int)Math.Ceiling(HoldLease.TotalSeconds);
}

/// <summary>Which API a provider speaks: how it is reached and authenticated, and which of the proxy's endpoints serve its models.</summary>
public enum ProviderKind
{
    /// <summary>OpenAI's API (and the many compatible ones): <c>{BaseUrl}/chat/completions</c> and the like, the key as <c>Authorization: Bearer</c>.</summary>
    OpenAi,

    /// <summary>Anthropic's Messages API: <c>{BaseUrl}/messages</c>, the key as <c>x-api-key</c>, with <c>anthropic-version</c> and <c>anthropic-beta</c> passed on.</summary>
    Anthropic,
}

public sealed class ProviderOptions
{
    /// <summary>
    /// The provider's base URL, as its SDKs take it with the API's version: e.g. <c>https://api.openai.com/v1</c>, or for
    /// an <c>anthropic</c> provider <c>https://api.anthropic.com/v1</c>.
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// The API the provider speaks: <c>openai</c> (the default) or <c>anthropic</c> (<see cref="ProviderKind"/>). Checked at
    /// startup and on every reload (<see cref="ProxySettings"/>): any other value is a configuration error.
    /// </summary>
    public string? Kind { get; set; }

    /// <summary>The parsed <see cref="Kind"/> (a validated configuration has one of the known names).</summary>
    public ProviderKind ApiKind => TryParseKind(Kind, out var kind) ? kind : ProviderKind.OpenAi;

    /// <summary>Reads a kind's name (any case; none is <c>openai</c>).</summary>
    public static bool TryParseKind(string? name, out ProviderKind kind)
    {
        kind = ProviderKind.OpenAi;
        if (string.IsNullOrEmpty(name) || name.Equals("openai", StringComparison.OrdinalIgnoreCase)) return true;
        if (!name.Equals("anthropic", StringComparison.OrdinalIgnoreCase)) return false;
        kind = ProviderKind.Anthropic;
        return true;
    }

    /// <summary>The provider's API key; or name the environment variable holding it in <see cref="ApiKeyVariable"/>.</summary>
    public string? ApiKey { get; set; }

    public string? ApiKeyVariable { get; set; }

    /// <summary>How long the provider may be silent: before its answer starts, and between two chunks of a stream.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public string? ResolveApiKey() => !string.IsNullOrEmpty(ApiKey) ? ApiKey
        : string.IsNullOrEmpty(ApiKeyVariable) ? null : Environment.GetEnvironmentVariable(ApiKeyVariable);
}
