namespace Tollgate.Persistence;

public sealed class GroupCommitOptions
{
    /// <summary>
    /// Independent commit loops, each with its own connection; a grain always uses the same lane, so its writes stay in order.
    /// One per two cores of the silo: more lanes split the same writes into smaller transactions, and each transaction costs
    /// PostgreSQL a fixed share (on 2 cores, 4 lanes cost it 250 µs per uniform pair and one lane 145 µs). Fewer would let
    /// one PostgreSQL backend bound a big silo: at 145 µs a lane commits about 7,000 pairs/s, what two silo cores make.
    /// </summary>
    public int Lanes { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Most grain writes committed in one transaction.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Writes waiting per lane; beyond it a write is refused as overloaded rather than queued without bound.</summary>
    public int QueueCapacity { get; set; } = 8192;

    /// <summary>Retries of a batch after a transient database error (connection lost, failover).</summary>
    public int TransientRetries { get; set; } = 3;
}
