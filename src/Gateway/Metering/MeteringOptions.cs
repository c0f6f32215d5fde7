using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Metering;

/// <summary>The <c>Metering</c> section of the gateway's configuration.</summary>
public sealed class MeteringOptions
{
    /// <summary>The bearer token gateways present to <c>/v1</c>; required.</summary>
    public string? ServiceToken { get; set; }

    /// <summary>When set, a model without a price is charged this price instead of denied (still counted and logged).</summary>
    public PriceOptions? DefaultPrice { get; set; }

    /// <summary>IPv6 callers are limited per prefix of this length (a host usually owns a whole /64).</summary>
    public int Ipv6PrefixBits { get; set; } = 64;

    /// <summary>How long an authorize holds its reservation when the request does not say.</summary>
    public int DefaultTtlSeconds { get; set; } = 300;

    /// <summary>
    /// How often a gateway reads again the settings it keeps a copy of (caller IP limits, models without limits: their
    /// prices and routes). A change made through another gateway takes effect here within two of these.
    /// </summary>
    public TimeSpan SettingsRefresh { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Denied requests waiting to be counted in usage_events; authorizes wait when it is full.</summary>
    public int DenialBuffer { get; set; } = 10_000;

    /// <summary>How long denial counts are kept (deleted by the gateways every hour); zero keeps them for ever.</summary>
    public TimeSpan DenialRetention { get; set; } = TimeSpan.FromDays(90);

    public Price? FallbackPrice => DefaultPrice is { } price ? new Price(price.InputPerMillion, price.OutputPerMillion) : null;

    public sealed class PriceOptions
    {
        public long InputPerMillion { get; set; }
        public long OutputPerMillion { get; set; }
    }
}
