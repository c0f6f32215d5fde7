namespace Tollgate.Grains;

/// <summary>
/// How long an activation of an id that holds nothing (a made-up API key, account or model) may stay, and how long
/// a caller IP's may stay idle (no call).
/// </summary>
public sealed class MadeUpIdOptions
{
    /// <summary>
    /// Well under Orleans' idle collection age (15 minutes): callers choose the ids they ask about at no
    /// cost, and random keys at 5,000/s would otherwise keep millions of activations in memory; a caller
    /// with an IPv6 /48 has 65,536 /64s, each a caller IP grain.
    /// </summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(30);
}
