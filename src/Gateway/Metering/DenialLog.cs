using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Npgsql;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// A denied authorize, as it is counted in <c>usage_events</c>. Only what the cluster vouches for is kept: the key when
/// it authenticated, the model when an operator configured it, and the caller's limit key (an IPv6 caller's prefix), so
/// made-up keys, model names and addresses cannot multiply the rows.
/// </summary>
internal sealed record DeniedRequest(string? AccountId, string? KeyId, string CallerIp, string? Model, long InputTokens, string Reason, DateTimeOffset At);

/// <summary>
/// Counts denied requests in <c>usage_events</c>, off the authorize path: one row per minute, reason, account, key,
/// caller IP and model, which each batch adds to (an upsert), so a flood of denials adds counts, not rows. The buffer
/// is bounded: when it is full an authorize waits for room (back-pressure, never a silent drop). On shutdown, after the
/// server has stopped taking requests, everything buffered is written before the process exits. A batch that keeps
/// failing is retried a bounded number of times, then logged as lost and counted in <c>tollgate.denials_lost</c>.
/// </summary>
internal sealed class DenialLog : IHostedLifecycleService
{
    private const int BatchSize = 1_000;
    private const int MaxAttempts = 8;
    private static readonly Counter<long> Lost = GatewayMetrics.Meter.CreateCounter<long>("tollgate.denials_lost", "{row}", "Denied-request rows that could not be written");

    private readonly Channel<DeniedRequest> _buffer;
    private readonly NpgsqlDataSource _database;
    private readonly ILogger<DenialLog> _logger;
    private Task _writer = Task.CompletedTask;

    public DenialLog(NpgsqlDataSource database, MeteringOptions options, ILogger<DenialLog> logger)
    {
        _database = database;
        _logger = logger;
        _buffer = Channel.CreateBounded<DeniedRequest>(new BoundedChannelOptions(Math.Max(1, options.DenialBuffer))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public ValueTask AddAsync(DeniedRequest denial, CancellationToken cancellationToken) => _buffer.Writer.WriteAsync(denial, cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(WriteAllAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Runs after the server stopped: no authorize can add more, so drain what is buffered.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        _buffer.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var left = _buffer.Reader.Count;
            _logger.LogError("Shutdown timed out with {Count} denied-request rows not written", left);
            Lost.Add(left);
        }
    }

    private async Task WriteAllAsync()
    {
        var batch = new List<DeniedRequest>(BatchSize);
        while (await _buffer.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < BatchSize && _buffer.Reader.TryRead(out var denial)) batch.Add(denial);
            await WriteWithRetriesAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    private async Task WriteWithRetriesAsync(List<DeniedRequest> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await InsertAsync(batch).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                if (attempt == MaxAttempts)
                {
                    _logger.LogError(ex, "Lost {Count} denied-request rows after {Attempts} attempts to write them", batch.Count, attempt);
                    Lost.Add(batch.Count);
                    return;
                }
                _logger.LogWarning(ex, "Writing {Count} denied-request rows failed (attempt {Attempt}); retrying", batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 << Math.Min(attempt, 6))).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One statement per batch, adding its counts to the minute's rows (in the index's order, so two gateways adding to
    /// the same rows wait for each other rather than deadlock). An account that does not exist is counted as null.
    /// </summary>
    private async Task InsertAsync(List<DeniedRequest> batch)
    {
        await using var insert = _database.CreateCommand("""
            INSERT INTO usage_events AS u (account_id, key_id, caller_ip, model, input_tokens, output_tokens, cost, charged, outcome, streamed,
                denial, requests, created_at)
            SELECT a.account_id, d.key_id, d.caller_ip, d.model, sum(d.input_tokens), 0, 0, 0, 'denied', false,
                d.denial, count(*), date_trunc('minute', d.at, 'UTC')
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[])
                AS d (account_id, key_id, caller_ip, model, input_tokens, denial, at)
            LEFT JOIN accounts a ON a.account_id = d.account_id
            GROUP BY date_trunc('minute', d.at, 'UTC'), d.denial, a.account_id, d.key_id, d.caller_ip, d.model
            ORDER BY date_trunc('minute', d.at, 'UTC'), d.denial, a.account_id, d.key_id, d.caller_ip, d.model
            ON CONFLICT (created_at, denial, account_id, key_id, caller_ip, model) WHERE denial IS NOT NULL
            DO UPDATE SET requests = u.requests + excluded.requests, input_tokens = u.input_tokens + excluded.input_tokens
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.AccountId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.KeyId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.CallerIp).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Model).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.InputTokens).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Reason).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.At).ToArray() });
        await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
