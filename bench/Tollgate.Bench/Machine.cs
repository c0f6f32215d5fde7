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
}
