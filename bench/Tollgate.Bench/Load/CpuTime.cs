using System.Globalization;

namespace Tollgate.Bench.Load;

/// <summary>
/// CPU time used so far by this process (silo, gateway, fronts and generator), by PostgreSQL's processes and
/// by Redis, read from /proc: over a run, it says where each call's CPU goes, which is what decides the
/// throughput on a machine they share.
/// </summary>
public readonly record struct CpuTime(TimeSpan Bench, TimeSpan Postgres, TimeSpan Redis)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private static string? _serversFolder;

    /// <summary>
    /// Counts only the bench's own servers: PostgreSQL's whose command line names <paramref name="folder"/> (with a postmaster's
    /// children), and the Redis servers this process started (Redis replaces its command line with its address, so its parent
    /// tells): a cluster or a test run beside the bench would be counted otherwise.
    /// </summary>
    public static void CountServersUnder(string folder) => _serversFolder = folder;

    public static CpuTime Now()
    {
        var servers = new List<(int Pid, int Parent, string Name, long Ticks)>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (name is not ("postgres" or "redis-server")) continue;
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // utime, stime, cutime and cstime are fields 14 to 17 of the line (12 to 15 after the name). The children's
                // times count what ended backends and autovacuum workers used, once the postmaster has reaped them.
                var ticks = fields[11..15].Sum(field => long.Parse(field, CultureInfo.InvariantCulture));
                servers.Add((pid, int.Parse(fields[1], CultureInfo.InvariantCulture), name, ticks));
            }
            catch (IOException)
            {
                // The process ended while it was read.
            }
        }
        var owned = servers.Where(server => server.Parent == Environment.ProcessId || Owned(server.Pid)).Select(server => server.Pid).ToHashSet();
        TimeSpan postgres = TimeSpan.Zero, redis = TimeSpan.Zero;
        foreach (var (pid, parent, name, ticks) in servers)
        {
            if (!owned.Contains(pid) && !(name == "postgres" && owned.Contains(parent))) continue;
            var used = TimeSpan.FromSeconds(ticks / TicksPerSecond);
            if (name == "postgres") postgres += used;
            else redis += used;
        }
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new CpuTime(self.TotalProcessorTime, postgres, redis);
    }

    private static bool Owned(int pid)
    {
        if (_serversFolder is null) return true;
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(_serversFolder, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static CpuTime operator -(CpuTime after, CpuTime before) => new(after.Bench - before.Bench, after.Postgres - before.Postgres, after.Redis - before.Redis);
}
