using System.Net.Sockets;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The proxy's connections to providers, whose reads and writes continue on the thread pool. The images run .NET with
/// socket completions inline (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, see the Dockerfile): a socket's
/// continuation then runs on its event thread, which serves every other socket of the process. The metering API's
/// continuations are short, but the proxy's are not: after its last read of an answer it parses the whole body and may
/// count its tokens. So a read or write that had to wait for its socket hops to the thread pool before its caller
/// goes on, as every socket's does by default.
/// </summary>
public static class UpstreamConnection
{
    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>: the handler's own connect (TCP, no Nagle delay), behind <see cref="ThreadPoolStream"/>.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new ThreadPoolStream(new NetworkStream(socket, ownsSocket: true));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
