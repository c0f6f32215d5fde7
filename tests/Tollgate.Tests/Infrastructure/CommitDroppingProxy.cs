using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of PostgreSQL that, when armed, lets the next COMMIT through and then cuts the
/// connection before its answer comes back: the client cannot tell whether the transaction committed.
/// </summary>
public sealed class CommitDroppingProxy : IAsyncDisposable
{
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0"); // the statement, not "READ COMMITTED"
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _armed;
    private int _dropped;

    public CommitDroppingProxy(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        (_host, _port) = (target.Host!, target.Port);
        _listener.Start();
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Host = "127.0.0.1",
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port,
        }.ConnectionString;
        _accepting = AcceptAsync();
    }

    /// <summary>Connects through the proxy.</summary>
    public string ConnectionString { get; }

    /// <summary>COMMITs whose answer was cut off.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public void ArmOnce() => Volatile.Write(ref _armed, 1);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = RelayAsync(client);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using (client)
        {
            await server.ConnectAsync(_host, _port);
            using var answers = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var toClient = PumpAsync(server.GetStream(), client.GetStream(), answers.Token);
            var toServer = PumpToServerAsync(client.GetStream(), server.GetStream(), answers);
            await Task.WhenAny(toClient, toServer);
            await answers.CancelAsync();
            await Task.WhenAll(toClient, toServer);
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            for (int read; (read = await from.ReadAsync(buffer, cancel)) > 0;) await to.WriteAsync(buffer.AsMemory(0, read), cancel);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException) { }
    }

    private async Task PumpToServerAsync(NetworkStream from, NetworkStream to, CancellationTokenSource answers)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            for (int read; (read = await from.ReadAsync(buffer, _stop.Token)) > 0;)
            {
                var isDroppedCommit = buffer.AsSpan(0, read).IndexOf(Commit) >= 0 && Interlocked.Exchange(ref _armed, 0) == 1;
                if (isDroppedCommit) await answers.CancelAsync(); // nothing PostgreSQL answers from now on reaches the client
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                if (!isDroppedCommit) continue;
                await Task.Delay(300); // PostgreSQL reads and runs the COMMIT; then both connections close
                Interlocked.Increment(ref _dropped);
                return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
    }
}
