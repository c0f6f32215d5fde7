using Npgsql;
using Tollgate.Gateway.Cluster;
using Tollgate.Grains;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// Which caller IPs have limits: the <see cref="Defaults"/> every caller IP without limits of its own counts under, and
/// the IPs an operator set limits for (<see cref="OwnLimits"/>; null: not known, so every IP may have them), as of
/// <see cref="OwnLimitsRows"/> (their rows' count and the sum of their versions).
/// </summary>
internal sealed record IpLimitPolicy(LimitSettings Defaults, IReadOnlySet<string>? OwnLimits, (long Count, long Versions) OwnLimitsRows)
{
    public static readonly IpLimitPolicy Unknown = new(LimitSettings.None, null, (-1, -1));

    /// <summary>Whether the IP's grain must be asked: a limit may apply to it. Otherwise it would count nothing.</summary>
    public bool MayLimit(string ipKey) => Defaults != LimitSettings.None || OwnLimits is null || OwnLimits.Contains(ipKey);
}

/// <summary>
/// The gateway's copy of the <see cref="IpLimitPolicy"/>, read again every <see cref="MeteringOptions.SettingsRefresh"/>
/// (<see cref="RefreshedValue{T}"/>: a change is seen within two of them): the defaults from their grain, the IPs with
/// limits of their own from the grains' stored state in PostgreSQL (a caller IP's grain stores a row only once an
/// operator sets its limits, and keeps it). The IPs are read again only when the rows changed (their count and the
/// sum of their versions, which every write raises). If they cannot be read, or past <see cref="MaxOwnLimits"/>, every
/// IP's grain is asked, as before this copy existed.
/// </summary>
internal sealed class IpLimitPolicies
{
    public const int MaxOwnLimits = 100_000;
    private const string IpState = "ip";
    private readonly IGrainFactory _grains;
    private readonly NpgsqlDataSource _database;
    private readonly string _serviceId;
    private readonly ILogger<IpLimitPolicies> _logger;
    private readonly RefreshedValue<IpLimitPolicy> _policy;

    public IpLimitPolicies(IGrainFactory grains, NpgsqlDataSource database, MeteringOptions options, TimeProvider time, ILogger<IpLimitPolicies> logger,
        ClusterClientSettings? cluster = null)
    {
        (_grains, _database, _serviceId, _logger) = (grains, database, cluster?.ServiceId ?? new ClusterClientSettings().ServiceId, logger);
        _policy = new RefreshedValue<IpLimitPolicy>(ReadAsync, IpLimitPolicy.Unknown, options.SettingsRefresh, time,
            ex => logger.LogWarning("Reading the caller IP defaults failed ({Error}); the last known ones stay in force", ex.Message));
    }

    public ValueTask<IpLimitPolicy> GetAsync() => _policy.GetAsync();

    /// <summary>Limits of a caller IP or the defaults changed through this gateway: its next authorize reads them again.</summary>
    public void Expire() => _policy.Expire();

    private async Task<IpLimitPolicy> ReadAsync(IpLimitPolicy last)
    {
        var own = ReadOwnLimitsAsync(last);
        var defaults = (await _grains.CallerIp(GrainKeys.IpDefaults).GetLimits()).Settings ?? LimitSettings.None;
        var (ips, rows) = await own;
        return new IpLimitPolicy(defaults, ips, rows);
    }

    private async Task<(IReadOnlySet<string>? Ips, (long, long) Rows)> ReadOwnLimitsAsync(IpLimitPolicy last)
    {
        try
        {
            await using var connection = await _database.OpenConnectionAsync();
            (long, long) rows;
            await using (var changes = new NpgsqlCommand(
                "SELECT count(*), coalesce(sum(version), 0) FROM orleans_storage WHERE service_id = $1 AND state_name = $2 AND grain_key <> $3", connection))
            {
                AddParameters(changes);
                await using var reader = await changes.ExecuteReaderAsync();
                await reader.ReadAsync();
                rows = (reader.GetInt64(0), reader.GetInt64(1));
                if (rows == last.OwnLimitsRows && last.OwnLimits is not null) return (last.OwnLimits, rows);
                if (rows.Item1 > MaxOwnLimits) return (null, rows);
            }
            await using var keys = new NpgsqlCommand(
                "SELECT substr(grain_key, $4) FROM orleans_storage WHERE service_id = $1 AND state_name = $2 AND grain_key <> $3 AND payload IS NOT NULL", connection);
            AddParameters(keys);
            keys.Parameters.Add(new NpgsqlParameter { Value = GrainStorage.KeyPrefix.Length + 1 });
            var ips = new HashSet<string>(StringComparer.Ordinal);
            await using var rowsReader = await keys.ExecuteReaderAsync();
            while (await rowsReader.ReadAsync()) ips.Add(rowsReader.GetString(0));
            return (ips, rows);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            _logger.LogWarning("Reading which caller IPs have limits of their own failed ({Error}); every caller IP's grain is asked until it succeeds", ex.Message);
            return (null, IpLimitPolicy.Unknown.OwnLimitsRows);
        }

        void AddParameters(NpgsqlCommand command)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = _serviceId });
            command.Parameters.Add(new NpgsqlParameter { Value = IpState });
            command.Parameters.Add(new NpgsqlParameter { Value = GrainStorage.KeyPrefix + GrainKeys.IpDefaults });
        }
    }
}
