namespace Tollgate.Silo.Webhooks;

/// <summary>
/// Settings of the webhook dispatcher every silo runs (configuration section <c>Webhooks</c>), checked when the silo
/// starts: a mistake stops it with the setting named, rather than retrying too fast or never.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>Whether this silo delivers webhooks (every silo does by default; they share the work).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often an idle dispatcher looks for events to fan out and deliveries that are due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries one silo makes at once; it claims no more than it has room for.</summary>
    public int MaxConcurrent { get; set; } = 16;

    /// <summary>Outbox events fanned out into deliveries per statement.</summary>
    public int FanOutBatch { get; set; } = 100;

    /// <summary>Attempts of one delivery, the first included; after the last failed one it is <c>failed</c>.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The pause after the first failed attempt; each later one doubles it, up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one attempt may take, connecting and the answer's headers included (its body is not read).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a claimed delivery is the claiming silo's: if that silo dies mid-attempt, another takes it over once
    /// the lease ends. Longer than <see cref="Timeout"/>, so a live silo's attempt always ends within its lease.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long an event is kept once every delivery of it has ended (delivered or failed); its log rows go with it.
    /// Keep it above the longest budget period: while an event id is kept, emitting it again is a no-op, so a crossing
    /// detected again within its period is not delivered twice. <c>00:00:00</c> keeps events for ever.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often a silo deletes what is past <see cref="Retention"/>.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Every mistake, each naming its setting; empty when the options are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromMinutes(5)) problems.Add("Webhooks:PollInterval must be from 00:00:00.010 to 00:05:00.");
        if (MaxConcurrent is < 1 or > 1000) problems.Add("Webhooks:MaxConcurrent must be 1 to 1000.");
        if (FanOutBatch is < 1 or > 10_000) problems.Add("Webhooks:FanOutBatch must be 1 to 10000.");
        if (MaxAttempts is < 1 or > 100) problems.Add("Webhooks:MaxAttempts must be 1 to 100.");
        if (RetryBase < TimeSpan.FromMilliseconds(10)) problems.Add("Webhooks:RetryBase must be at least 00:00:00.010.");
        if (RetryMax < RetryBase || RetryMax > TimeSpan.FromDays(7)) problems.Add("Webhooks:RetryMax must be from Webhooks:RetryBase to 7.00:00:00.");
        if (Timeout < TimeSpan.FromMilliseconds(100) || Timeout > TimeSpan.FromMinutes(5)) problems.Add("Webhooks:Timeout must be from 00:00:00.100 to 00:05:00.");
        if (Lease <= Timeout || Lease > TimeSpan.FromHours(1)) problems.Add("Webhooks:Lease must be longer than Webhooks:Timeout, and at most 01:00:00.");
        if (Retention < TimeSpan.Zero || Retention > TimeSpan.Zero && Retention < TimeSpan.FromDays(1)) problems.Add("Webhooks:Retention must be at least 1.00:00:00, or 00:00:00 to keep events for ever.");
        if (RetentionInterval < TimeSpan.FromMilliseconds(10) || RetentionInterval > TimeSpan.FromDays(1)) problems.Add("Webhooks:RetentionInterval must be from 00:00:00.010 to 1.00:00:00.");
        return problems;
    }

    /// <summary>Throws with every mistake at once.</summary>
    public WebhookOptions Validated()
    {
        var problems = Problems();
        return problems.Count == 0 ? this : throw new InvalidOperationException("Invalid webhook settings: " + string.Join(" ", problems));
    }

    /// <summary>
    /// The pause after failed attempt number <paramref name="attempt"/> (1 is the first): <see cref="RetryBase"/>
    /// doubled per earlier failure, at most <see cref="RetryMax"/>, less up to a fifth at random so that deliveries
    /// that failed together (an endpoint that was down) do not all come back at once.
    /// </summary>
    public TimeSpan RetryDelay(int attempt, double random)
    {
        var doubled = RetryBase.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 40));
        var capped = Math.Min(doubled, RetryMax.Ticks);
        return TimeSpan.FromTicks((long)(capped * (1 - 0.2 * Math.Clamp(random, 0, 1))));
    }
}
