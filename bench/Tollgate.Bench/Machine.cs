using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Tollgate.Bench;

/// <summary>What the bench needs to know about, or take from, the machine it runs on.</summary>
internal static class Machine
{
    /// <summary>.NET's switch that runs socket continuations on the sockets' event threads; the images set it (Dockerfile).</summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>How this process's sockets complete, for the report's header.</summary>
    public static string SocketCompletions() => Environment.GetEnvironmentVariable(InlineSocketCompletions) == "1"
        ? $"socket completions inline ({InlineSocketCompletions}=1, as the images run)"
        : $"socket completions on the thread pool ({InlineSocketCompletions} not 1)";

    private const int FirstPort = 20_000, Ports = 12_000; // below Linux's ephemeral range, which starts at 32768
    private static int _handedOut = Environment.ProcessId % 100 * 100; // benches side by side start apart

    /// <summary>
    /// A loopback port free right now, handed out once per run. Port 0 let go can come back from the OS at the next ask
    /// (a correctness row's silo once got the same one for its HTTP and its silo port), and within the ephemeral range
    /// an outgoing connection of the load can take it first; so ports come from below that range.
    /// </summary>
    public static int FreePort()
    {
        for (var tries = 0; tries < Ports; tries++)
        {
            var port = FirstPort + Interlocked.Increment(ref _handedOut) % Ports;
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: the next one
            }
        }
        throw new InvalidOperationException($"No free loopback port from {FirstPort} to {FirstPort + Ports - 1}.");
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
