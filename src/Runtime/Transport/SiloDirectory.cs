using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Tollgate.Runtime.Transport;

/// <summary>Tells a client which silo serves a partition, and learns when that changes.</summary>
public interface ISiloDirectory
{
    Uri SiloFor(int partition);

    /// <summary>A silo refused the partition (with the new owner, when it knew it) or could not be reached.</summary>
    Task OnFailureAsync(int partition, Uri silo, string? redirectTo, CancellationToken cancellationToken);
}

/// <summary>
/// The client's partition → silo table, fetched from any silo (<c>/cluster/table</c>), refreshed
/// periodically and after a redirect or an unreachable silo (at most every 100 ms). Until it is
/// known, and for partitions with no owner, calls go to the configured seed silos, which redirect.
/// </summary>
public sealed class ClusterDirectory : ISiloDirectory, IDisposable
{
    private const long MinRefreshIntervalMs = 100;

    private readonly Uri[] _seeds;
    private readonly Uri?[] _owners;
    private readonly int[] _failures;
    private readonly HttpMessageInvoker _http;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private readonly Lock _refreshLock = new();
    private Task _refresh = Task.CompletedTask;
    private long _lastRefresh = long.MinValue / 2;

    public ClusterDirectory(ClusterClientOptions options, ILogger<ClusterDirectory> logger)
    {
        if (options.Silos.Count == 0) throw new InvalidOperationException("Cluster:Silos lists no silo address.");
        _seeds = [.. options.Silos.Select(address => new Uri(address, UriKind.Absolute))];
        _owners = new Uri?[options.PartitionCount];
        _failures = new int[options.PartitionCount];
        _logger = logger;
        _http = new HttpMessageInvoker(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2), UseProxy = false });
        _timer = new Timer(_ => _ = RefreshAsync(force: true), null, TimeSpan.Zero, options.TableRefreshInterval);
    }

    public Uri SiloFor(int partition) =>
        Volatile.Read(ref _owners[partition]) ?? _seeds[(partition + Volatile.Read(ref _failures[partition])) % _seeds.Length];

    public Task OnFailureAsync(int partition, Uri silo, string? redirectTo, CancellationToken cancellationToken)
    {
        if (redirectTo is not null && Uri.TryCreate(redirectTo, UriKind.Absolute, out var owner) && owner != silo)
        {
            Volatile.Write(ref _owners[partition], owner);
            return Task.CompletedTask;
        }
        if (Volatile.Read(ref _owners[partition]) == silo) Volatile.Write(ref _owners[partition], null);
        Interlocked.Increment(ref _failures[partition]);
        return RefreshAsync(force: false).WaitAsync(cancellationToken);
    }

    private Task RefreshAsync(bool force)
    {
        lock (_refreshLock)
        {
            if (!_refresh.IsCompleted || (!force && Environment.TickCount64 - _lastRefresh < MinRefreshIntervalMs)) return _refresh;
            _lastRefresh = Environment.TickCount64;
            return _refresh = FetchAsync();
        }
    }

    private async Task FetchAsync()
    {
        var candidates = _owners.Where(owner => owner is not null).Distinct().Concat(_seeds).Distinct().ToList();
        foreach (var silo in candidates)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(silo!, ClusterTableEndpoint.Path))
                {
                    Version = HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                };
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) continue;
                var table = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false), ClusterTableJson.Default.ClusterTable);
                if (table is null || table.Owners.Length != _owners.Length) continue;
                var silos = table.Silos.Select(address => new Uri(address, UriKind.Absolute)).ToArray();
                for (var partition = 0; partition < _owners.Length; partition++)
                    Volatile.Write(ref _owners[partition], table.Owners[partition] >= 0 ? silos[table.Owners[partition]] : null);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or UriFormatException)
            {
                _logger.LogDebug(ex, "Could not read the cluster table from {Silo}", silo);
            }
        }
        _logger.LogWarning("No silo answered for the cluster table; routing to seed silos");
    }

    public void Dispose()
    {
        _timer.Dispose();
        _http.Dispose();
    }
}
