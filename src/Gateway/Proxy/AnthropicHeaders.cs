namespace Tollgate.Gateway.Proxy;

/// <summary>The headers of Anthropic's API the proxy reads or passes on.</summary>
public static class AnthropicHeaders
{
    /// <summary>The API version the client asked for: required on the Messages API, passed to the provider as it came.</summary>
    public const string Version = "anthropic-version";

    /// <summary>Beta features the client asked for: passed to the provider as they came.</summary>
    public const string Beta = "anthropic-beta";

    /// <summary>Anthropic's key header: a Tollgate key from the client, the provider's own key towards an anthropic provider.</summary>
    public const string ApiKey = "x-api-key";

    /// <summary>Where Anthropic's SDKs read a request's id: on the Messages API, the same as <c>x-request-id</c>.</summary>
    public const string RequestId = "request-id";

    /// <summary>The client's headers an anthropic provider gets (no other header of the client's is forwarded).</summary>
    public static readonly string[] PassedOn = [Version, Beta];
}
