using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Npgsql;

namespace Tollgate.Gateway.Metering;

/// <summary>A denied authorize, as it becomes a row of <c>usage_events</c>.</summary>
internal sealed record DeniedRequest(
    string? AccountId, string RequestId, string? KeyId, string CallerIp, string Model, long InputTokens, string Reason, DateTimeOffset At);

/// <summary>
/// Writes denied requests to <c>usage_events</c> in batches, off the authorize path. The buffer is
/// bounded: when it is full an authorize waits for room (back-pressure, never a silent drop). On
/// shutdown, after the server has stopped taking requests, everything buffered is written before
/// the process exits. A batch that keeps failing is retried a bounded number of times, then logged
/// as lost and counted in <c>tollgate.denials_lost</c>.
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

    /// <summary>One statement per batch. An account that does not exist is recorded as null (the row keeps the key, IP and model).</summary>
    private async Task InsertAsync(List<DeniedRequest> batch)
    {
        await using var insert = _database.CreateCommand("""
            INSERT INTO usage_events (account_id, request_id, key_id, caller_ip, model, input_tokens, output_tokens,
                cost, charged, outcome, streamed, denial, created_at)
            SELECT a.account_id, d.request_id, d.key_id, d.caller_ip, d.model, d.input_tokens, 0, 0, 0, 'denied', false, d.denial, d.at
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::timestamptz[])
                AS d (account_id, request_id, key_id, caller_ip, model, input_tokens, denial, at)
            LEFT JOIN accounts a ON a.account_id = d.account_id
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.AccountId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.RequestId).ToArray() });
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
