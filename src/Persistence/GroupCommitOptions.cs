namespace Tollgate.Persistence;

public sealed class GroupCommitOptions
{
    /// <summary>Independent commit loops, each with its own connection; a grain always uses the same lane, so its writes stay in order.</summary>
    public int Lanes { get; set; } = 4;

    /// <summary>Most grain writes committed in one transaction.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Writes waiting per lane; beyond it a write is refused as overloaded rather than queued without bound.</summary>
    public int QueueCapacity { get; set; } = 8192;

    /// <summary>Retries of a batch after a transient database error (connection lost, failover).</summary>
    public int TransientRetries { get; set; } = 3;
}
