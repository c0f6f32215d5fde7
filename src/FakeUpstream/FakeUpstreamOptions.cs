namespace Tollgate.FakeUpstream;

/// <summary>The <c>FakeUpstream</c> configuration section.</summary>
public sealed class FakeUpstreamOptions
{
    /// <summary>
    /// When set, every /v1 request must carry <c>Authorization: Bearer &lt;ApiKey&gt;</c>, or Anthropic's (see
    /// <see cref="Messages.Speaks"/>) <c>x-api-key: &lt;ApiKey&gt;</c>.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The ids GET /v1/models lists. An array, not a defaulted list: the binder appends to a list it finds.</summary>
    public string[]? Models { get; set; }

    public IReadOnlyList<string> ModelIds => Models is { Length: > 0 } ? Models : ["fake-gpt", "fake-embed"];
}
