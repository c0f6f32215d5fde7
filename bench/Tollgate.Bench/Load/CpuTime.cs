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

    public static CpuTime Now()
    {
        TimeSpan postgres = TimeSpan.Zero, redis = TimeSpan.Zero;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out _)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (name is not ("postgres" or "redis-server")) continue;
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // utime, stime, cutime and cstime are fields 14 to 17 of the line (12 to 15 after the name). The children's
                // times count what ended backends and autovacuum workers used, once the postmaster has reaped them.
                var ticks = fields[11..15].Sum(field => long.Parse(field, CultureInfo.InvariantCulture));
                var used = TimeSpan.FromSeconds(ticks / TicksPerSecond);
                if (name == "postgres") postgres += used;
                else redis += used;
            }
            catch (IOException)
            {
                // The process ended while it was read.
            }
        }
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new CpuTime(self.TotalProcessorTime, postgres, redis);
    }

    public static CpuTime operator -(CpuTime after, CpuTime before) => new(after.Bench - before.Bench, after.Postgres - before.Postgres, after.Redis - before.Redis);
}
