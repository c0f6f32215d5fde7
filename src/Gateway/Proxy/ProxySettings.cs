using Microsoft.Extensions.Options;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The proxy's configuration as it stands: re-read when its source changes (appsettings.json is watched),
/// so providers, keys, timeouts and trusted proxies change without a restart. A reload that does not
/// validate is logged and ignored: the last good configuration stays in force.
/// </summary>
internal sealed class ProxySettings : IDisposable
{
    private readonly ILogger<ProxySettings> _logger;
    private readonly IDisposable? _subscription;
    private volatile Snapshot _current;

    public ProxySettings(IOptionsMonitor<ProxyOptions> options, ILogger<ProxySettings> logger)
    {
        _logger = logger;
        _current = Validate(options.CurrentValue); // at startup a mistake stops the gateway
        _subscription = options.OnChange(Reload);
    }

    public ProxyOptions Options => _current.Options;

    public CallerIp CallerIp => _current.CallerIp;

    private void Reload(ProxyOptions options)
    {
        try
        {
            _current = Validate(options);
            _logger.LogInformation("Proxy configuration reloaded: providers {Providers}", string.Join(", ", options.Providers.Keys));
        }
        catch (InvalidOperationException ex)
        {
            _logger.LogError("Proxy configuration not reloaded, the previous one stays in force: {Problem}", ex.Message);
        }
    }

    private static Snapshot Validate(ProxyOptions options)
    {
        foreach (var (name, provider) in options.Providers)
        {
            if (!Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw new InvalidOperationException($"Proxy:Providers:{name}:BaseUrl must be an http(s) URL, such as https://api.openai.com/v1.");
            if (provider.Timeout <= TimeSpan.Zero) throw new InvalidOperationException($"Proxy:Providers:{name}:Timeout must be positive.");
            if (!ProviderOptions.TryParseKind(provider.Kind, out _))
                throw new InvalidOperationException($"Proxy:Providers:{name}:Kind is '{provider.Kind}': it must be openai (the default) or anthropic.");
        }
        if (options.DefaultMaxOutputTokens < 0) throw new InvalidOperationException("Proxy:DefaultMaxOutputTokens must not be negative.");
        if (options.Outage.RequestsPerKey < 0 || options.Outage.SpendPerKey < 0)
            throw new InvalidOperationException("Proxy:Outage:RequestsPerKey and SpendPerKey must not be negative.");
        if (options.MaxRequestBytes < 1024 || options.MaxResponseBytes < 1024) throw new InvalidOperationException("Proxy:MaxRequestBytes and MaxResponseBytes must be at least 1024.");
        if (options.HoldLease < TimeSpan.FromSeconds(3) || options.HoldLease.TotalSeconds > Grains.Accounts.AccountLimits.MaxReservationTtlSeconds
            || options.HoldLease.Ticks % TimeSpan.TicksPerSecond != 0)
            throw new InvalidOperationException($"Proxy:HoldLease must be whole seconds, from 00:00:03 to {TimeSpan.FromSeconds(Grains.Accounts.AccountLimits.MaxReservationTtlSeconds):c}.");
        if (options.DrainAfterDisconnect < TimeSpan.Zero || options.DrainAfterDisconnect > TimeSpan.FromMinutes(10) || options.DrainMaxBytes < 0)
            throw new InvalidOperationException("Proxy:DrainAfterDisconnect must be from 00:00:00 (off) to 00:10:00, and Proxy:DrainMaxBytes must not be negative.");
        var longestTimeout = options.Providers.Values.Select(provider => provider.Timeout).DefaultIfEmpty(new ProviderOptions().Timeout).Max();
        if (options.MaxStreamDuration <= TimeSpan.Zero || longestTimeout + options.MaxStreamDuration > TimeSpan.FromSeconds(Grains.Accounts.AccountLimits.MaxHoldLifetimeSeconds))
            throw new InvalidOperationException("Proxy:MaxStreamDuration must be positive, and with the longest provider Timeout at most a day (the longest a hold is renewed).");
        return new Snapshot(options, new CallerIp(options.TrustedProxies));
    }

    public void Dispose() => _subscription?.Dispose();

    private sealed record Snapshot(ProxyOptions Options, CallerIp CallerIp);
}
