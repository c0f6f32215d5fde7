using System.Diagnostics;
using StackExchange.Redis;

namespace Tollgate.Bench.Targets;

/// <summary>
/// Debian's <c>redis-server</c>, started and stopped by the bench like its PostgreSQL, persisted as an
/// operator runs it for counters that matter: an append-only file fsynced every second, no snapshots.
/// It can be killed and restarted with its last second of writes gone, as after a machine crash.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private readonly string _folder;
    private Process? _process;

    private LocalRedis(string folder, int port)
    {
        _folder = folder;
        Port = port;
    }

    public int Port { get; }
    public string Endpoint => $"127.0.0.1:{Port}";
    private string AppendOnlyFolder => Path.Combine(_folder, "appendonlydir");

    public static async Task<LocalRedis> StartAsync(string folder)
    {
        if (!File.Exists(Server))
            throw new InvalidOperationException($"{Server} is missing: the redis-postgres target needs Debian's Redis (apt-get update && apt-get install -y redis-server).");
        Directory.CreateDirectory(folder);
        var redis = new LocalRedis(folder, Machine.FreePort());
        await redis.StartServerAsync();
        return redis;
    }

    private const string Server = "/usr/bin/redis-server";

    private async Task StartServerAsync()
    {
        var start = new ProcessStartInfo(Server) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--port", $"{Port}", "--bind", "127.0.0.1", "--dir", _folder, "--appendonly", "yes", "--appendfsync", "everysec",
                     "--save", "", "--daemonize", "no", "--logfile", Path.Combine(_folder, "redis.log"), "--maxclients", "10000"])
            start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"{Endpoint},connectTimeout=500");
                await probe.GetDatabase().PingAsync();
                // Loading the append-only file answers LOADING errors until done; a ping that passes means it is.
                return;
            }
            catch (Exception ex) when (ex is RedisException or RedisConnectionException && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}; see {Path.Combine(_folder, "redis.log")}");
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A copy of the append-only files as they are now: what a disk holds after a crash one fsync period later.</summary>
    public string SnapshotAppendOnlyFiles()
    {
        var snapshot = Path.Combine(_folder, "snapshot-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(snapshot);
        foreach (var file in Directory.GetFiles(AppendOnlyFolder)) File.Copy(file, Path.Combine(snapshot, Path.GetFileName(file)));
        return snapshot;
    }

    /// <summary>SIGKILL, then a start from <paramref name="snapshot"/>: every write after it is lost, as an OS crash loses unsynced pages.</summary>
    public async Task CrashAndRestartFromAsync(string snapshot)
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
        Directory.Delete(AppendOnlyFolder, recursive: true);
        Directory.Move(snapshot, AppendOnlyFolder);
        await StartServerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }
}
