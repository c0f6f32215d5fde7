using System.Net;
using System.Net.Sockets;

namespace Tollgate.LocalStack;

/// <summary>A loopback port the run command listens on: what listens there, and the variable that moves it.</summary>
public sealed record LocalPort(string What, string Variable, int Port)
{
    /// <summary>The port <paramref name="variable"/> names, else <paramref name="fallback"/>.</summary>
    public static LocalPort From(string what, string variable, int fallback, Func<string, string?> environment)
    {
        var value = environment(variable);
        if (string.IsNullOrWhiteSpace(value)) return new LocalPort(what, variable, fallback);
        return int.TryParse(value, out var port) && port is > 0 and < 65536
            ? new LocalPort(what, variable, port)
            : throw new LocalStackException($"{variable}={value} is not a port number (1 to 65535).");
    }
}

/// <summary>A start that cannot go on, said in one line to the person who ran the command (no stack trace).</summary>
public sealed class LocalStackException(string message) : Exception(message);

/// <summary>Checks the run command's ports before anything starts, so a taken one is named with the variable that moves it.</summary>
public static class LocalPorts
{
    /// <summary>What is wrong with <paramref name="ports"/>, in one line (the first port taken, or one named twice); null when all are free.</summary>
    public static string? Problem(IReadOnlyList<LocalPort> ports)
    {
        foreach (var twice in ports.GroupBy(port => port.Port).Where(group => group.Count() > 1))
            return $"Port {twice.Key} is named twice ({string.Join(" and ", twice.Select(port => $"{port.Variable}: {port.What}"))}): set one of them to another port.";
        return ports.FirstOrDefault(port => !IsFree(port.Port)) is { } taken ? Taken(taken) : null;
    }

    /// <summary>The line that says <paramref name="port"/> is taken and how to move it.</summary>
    public static string Taken(LocalPort port) =>
        $"Port {port.Port} ({port.What}) is already in use: set {port.Variable} to a free port, or stop what listens on it.";

    /// <summary>Whether nothing listens on loopback port <paramref name="port"/> (a bind succeeds; ports in TIME_WAIT count as free, as they are for the servers).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The port of <paramref name="ports"/> that an address-in-use failure is about, when its message names one.</summary>
    public static LocalPort? InUse(Exception failure, IReadOnlyList<LocalPort> ports)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is not SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } && !e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                continue;
            for (var outer = failure; outer is not null; outer = outer.InnerException)
            {
                if (ports.FirstOrDefault(port => outer.Message.Contains($":{port.Port}", StringComparison.Ordinal)) is { } named) return named;
            }
        }
        return null;
    }
}
