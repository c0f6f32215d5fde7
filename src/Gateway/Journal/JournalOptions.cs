namespace Tollgate.Gateway.Journal;

/// <summary>The <c>Proxy:Journal</c> section: where settlements the cluster could not take wait, and how often they are retried.</summary>
public sealed class JournalOptions
{
    /// <summary>
    /// The local fallback's directory, for when PostgreSQL cannot take an entry either (relative to the content root).
    /// Gateways may share one; a gateway that restarts with it applies what its predecessor left there.
    /// </summary>
    public string Directory { get; set; } = "journal";

    /// <summary>How often waiting settlements are retried (and the journal's depth measured).</summary>
    public TimeSpan ReplayInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory)) throw new InvalidOperationException("Proxy:Journal:Directory must name a directory.");
        if (ReplayInterval < TimeSpan.FromMilliseconds(100) || ReplayInterval > TimeSpan.FromMinutes(10))
            throw new InvalidOperationException("Proxy:Journal:ReplayInterval must be from 00:00:00.1 to 00:10:00.");
    }
}
