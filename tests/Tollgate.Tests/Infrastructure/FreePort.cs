using System.Net;
using System.Net.Sockets;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// Loopback ports for the servers tests start. Asking the OS for port 0 and letting it go can hand one port to two
/// tests running side by side, and the port can be taken meanwhile as the source port of an outgoing connection.
/// So ports come from below the OS's ephemeral range (where no outgoing connection takes one), each at most once
/// per test process, and only after a bind shows it free.
/// </summary>
public static class FreePort
{
    private const int First = 20_000, Last = 32_000; // Linux's ephemeral range starts at 32768
    private static int _next = First + Environment.ProcessId % 1_000 * 10; // test processes side by side start apart

    /// <summary>A TCP port on loopback that is free now and handed to no one else in this process.</summary>
    public static int Loopback()
    {
        for (var tries = 0; tries < Last - First; tries++)
        {
            var port = First + (Interlocked.Increment(ref _next) - First) % (Last - First);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"No free loopback port between {First} and {Last}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
