using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Tollgate.Bench;

/// <summary>What the bench needs to know about, or take from, the machine it runs on.</summary>
internal static class Machine
{
    /// <summary>A loopback port free right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The Orleans release in use (its package version; the assembly version is only the major one).</summary>
    public static string OrleansVersion()
    {
        var assembly = typeof(IGrainFactory).Assembly;
        // e.g. "10.4.2. Commit Hash: 876ffe0…" (or "10.4.2+876ffe0…")
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', ' ')[0].TrimEnd('.')
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
    }

    /// <summary>The 1, 5 and 15 minute load averages, to note how busy the machine was around a run.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The Redis server's version, as it prints it.</summary>
    public static string RedisVersion()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/redis-server", "--version") { RedirectStandardOutput = true });
        var output = process?.StandardOutput.ReadToEnd() ?? "";
        process?.WaitForExit();
        return output.Split(' ').FirstOrDefault(p => p.StartsWith("v=", StringComparison.Ordinal)) is { } version ? $"Redis {version[2..]}" : "Redis";
    }
}
