using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Envoy;

/// <summary>The Tollgate scope a descriptor is counted at: the grain its value names.</summary>
public enum EnvoyScope
{
    /// <summary>A caller IP (the value is an address; IPv6 by its prefix, as <c>Metering:Ipv6PrefixBits</c> says).</summary>
    Ip,

    /// <summary>An API key (the value is the whole key, <c>tg_…</c>, optionally after <c>Bearer </c>): verified, then counted.</summary>
    Key,

    /// <summary>A model (the value, after the mapping's prefix, is the model's name).</summary>
    Model,

    /// <summary>An account (the value, after the mapping's prefix, is the account's id).</summary>
    Account,
}

/// <summary>
/// The <c>Envoy</c> section: Envoy's rate-limit service (<c>envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit</c>,
/// gRPC over cleartext HTTP/2) on a port of its own. Off unless <see cref="Port"/> is set. See docs/envoy.md.
/// </summary>
public sealed class EnvoyOptions
{
    public const string Section = "Envoy";

    /// <summary>A domain that is always there, with <see cref="EnvoyDomainOptions.Default"/> unless <c>Envoy:Domains</c> configures it.</summary>
    public const string DefaultDomain = "tollgate";

    /// <summary>Most descriptors one request may carry: Envoy sends one per matching <c>rate_limits</c> entry.</summary>
    public const int MaxDescriptors = 64;

    /// <summary>The port the rate-limit service listens on, on the same addresses as the gateway's <c>Urls</c>; 0: off.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Whether a call must carry <c>authorization: Bearer &lt;Metering:ServiceToken&gt;</c> (Envoy's <c>grpc_service.initial_metadata</c>).
    /// Turn it off only where nothing but Envoy can reach <see cref="Port"/>.
    /// </summary>
    public bool RequireServiceToken { get; set; } = true;

    /// <summary>Envoy's rate-limit domains (the filter's <c>domain</c>), each with its descriptor mapping; <see cref="DefaultDomain"/> besides.</summary>
    public Dictionary<string, EnvoyDomainOptions> Domains { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The section as configured, with the default domain unless it is configured; throws with every mistake when the service is on.</summary>
    public static EnvoyOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var unparsed = Unparsed(section).ToList();
        if (unparsed.Count > 0) throw new InvalidOperationException(string.Join(" ", unparsed));
        var options = section.Get<EnvoyOptions>(binder => binder.ErrorOnUnknownConfiguration = true) ?? new EnvoyOptions(); // a mistyped name stops the gateway
        options.Domains.TryAdd(DefaultDomain, EnvoyDomainOptions.Default()); // configured, it is replaced
        if (options.Port == 0) return options;
        var problems = options.Problems(configuration["Metering:ServiceToken"]).ToList();
        if (problems.Count > 0) throw new InvalidOperationException(string.Join(" ", problems));
        return options;
    }

    /// <summary>Scopes and units that are not one of their names: the binder leaves such a descriptor out without a word.</summary>
    private static IEnumerable<string> Unparsed(IConfigurationSection section)
    {
        foreach (var domain in section.GetSection(nameof(Domains)).GetChildren())
        {
            foreach (var descriptor in domain.GetSection(nameof(EnvoyDomainOptions.Descriptors)).GetChildren())
            {
                var name = $"Envoy:Domains:{domain.Key}:Descriptors:{descriptor.Key}";
                if (descriptor[nameof(EnvoyDescriptorOptions.Scope)] is { } scope && !Enum.TryParse<EnvoyScope>(scope, ignoreCase: true, out _))
                    yield return $"{name}:Scope must be one of {string.Join(", ", Enum.GetNames<EnvoyScope>())}; got '{scope}'.";
                if (descriptor[nameof(EnvoyDescriptorOptions.Unit)] is { } unit && !Enum.TryParse<HitUnit>(unit, ignoreCase: true, out _))
                    yield return $"{name}:Unit must be one of {string.Join(", ", Enum.GetNames<HitUnit>())}; got '{unit}'.";
            }
        }
    }

    private IEnumerable<string> Problems(string? serviceToken)
    {
        if (Port is < 0 or > 65535) yield return $"Envoy:Port must be a TCP port (1 to 65535), or 0 to turn the rate-limit service off; got {Port}.";
        if (RequireServiceToken && string.IsNullOrEmpty(serviceToken))
        {
            yield return "Envoy:Port is set but Metering:ServiceToken is empty: Envoy's calls present that token (authorization: Bearer …, "
                + "its grpc_service's initial_metadata). Set it, or set Envoy:RequireServiceToken=false where nothing but Envoy reaches the port.";
        }
        foreach (var (domain, mapping) in Domains)
        {
            if (!IsName(domain)) yield return $"Envoy:Domains: the domain '{domain}' must be 1 to 200 printable characters.";
            if (mapping is null || mapping.Descriptors.Count == 0)
            {
                yield return $"Envoy:Domains:{domain}:Descriptors must map at least one descriptor key to a scope.";
                continue;
            }
            foreach (var (key, descriptor) in mapping.Descriptors)
            {
                var name = $"Envoy:Domains:{domain}:Descriptors:{key}";
                if (!IsName(key)) yield return $"{name}: a descriptor key must be 1 to 200 printable characters.";
                if (descriptor?.Scope is not { } scope || !Enum.IsDefined(scope))
                {
                    yield return $"{name}:Scope must be one of {string.Join(", ", Enum.GetNames<EnvoyScope>())}.";
                    continue;
                }
                if (!Enum.IsDefined(descriptor.Unit)) yield return $"{name}:Unit must be one of {string.Join(", ", Enum.GetNames<HitUnit>())}.";
                if (string.IsNullOrEmpty(descriptor.Prefix)) continue;
                if (scope is EnvoyScope.Ip or EnvoyScope.Key)
                    yield return $"{name}:Prefix applies to Model and Account scopes only: a caller IP or an API key is named by its own value.";
                else if (descriptor.Prefix.Length > 64 || !descriptor.Prefix.All(c => char.IsAsciiLetterOrDigit(c) || (scope == EnvoyScope.Model ? "._:/@+-" : "._:@-").Contains(c)))
                    yield return $"{name}:Prefix must be at most 64 characters that a {(scope == EnvoyScope.Model ? "model name" : "account id")} may hold.";
            }
        }
    }

    private static bool IsName(string? text) => text is { Length: >= 1 and <= 200 } && !text.Any(char.IsControl);
}

/// <summary>One rate-limit domain: which descriptor keys name which scope, in which unit.</summary>
public sealed class EnvoyDomainOptions
{
    /// <summary>By descriptor key (as Envoy sends it: <c>remote_address</c>, or a <c>descriptor_key</c> of yours).</summary>
    public Dictionary<string, EnvoyDescriptorOptions> Descriptors { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The mapping of <see cref="EnvoyOptions.DefaultDomain"/>: each scope by requests, and by tokens under <c>…_tokens</c>.</summary>
    public static EnvoyDomainOptions Default() => new()
    {
        Descriptors = new(StringComparer.Ordinal)
        {
            ["remote_address"] = new() { Scope = EnvoyScope.Ip },
            ["api_key"] = new() { Scope = EnvoyScope.Key },
            ["model"] = new() { Scope = EnvoyScope.Model },
            ["account"] = new() { Scope = EnvoyScope.Account },
            ["remote_address_tokens"] = new() { Scope = EnvoyScope.Ip, Unit = HitUnit.Tokens },
            ["api_key_tokens"] = new() { Scope = EnvoyScope.Key, Unit = HitUnit.Tokens },
            ["model_tokens"] = new() { Scope = EnvoyScope.Model, Unit = HitUnit.Tokens },
            ["account_tokens"] = new() { Scope = EnvoyScope.Account, Unit = HitUnit.Tokens },
        },
    };
}

/// <summary>What a descriptor key names.</summary>
public sealed class EnvoyDescriptorOptions
{
    /// <summary>The scope the descriptor's value names (required).</summary>
    public EnvoyScope? Scope { get; set; }

    /// <summary>What its hits count: requests (admitted whole or not at all) or tokens (a charge, counted even past the limit).</summary>
    public HitUnit Unit { get; set; } = HitUnit.Requests;

    /// <summary>Put before the value to name a model or an account (e.g. <c>openai/</c>); none by default.</summary>
    public string? Prefix { get; set; }
}
