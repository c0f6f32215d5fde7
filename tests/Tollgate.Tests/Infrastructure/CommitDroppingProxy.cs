using System.Net;
using System.Runtime.InteropServices;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of PostgreSQL that, when armed, lets the next COMMIT through, passes PostgreSQL's answers
/// on until the one saying it committed (or none of them, see <see cref="ArmOnce"/>), and cuts the connection without
/// passing that one on: the transaction is durable, and the client cannot tell.
/// </summary>
public sealed class CommitDroppingProxy : IAsyncDisposable
{
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0"); // the statement, not "READ COMMITTED"
    // PostgreSQL's CommandComplete message for a transaction that committed: 'C', its length (11), the tag "COMMIT".
    private static readonly byte[] Committed = [(byte)'C', 0, 0, 0, 11, .. Encoding.ASCII.GetBytes("COMMIT\0")];
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _armed; // 0: not armed; 1: drops the answers from the COMMIT's on; 2: drops every answer to the COMMIT's batch
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

    /// <summary>COMMITs that PostgreSQL confirmed and whose answer was cut off.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    /// <param name="loseEarlierAnswers">Also hold back PostgreSQL's answers to what the client sent with the COMMIT before it.</param>
    public void ArmOnce(bool loseEarlierAnswers = false) => Volatile.Write(ref _armed, loseEarlierAnswers ? 2 : 1);

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
            var relay = new Relay();
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var toClient = ToClientAsync(server.GetStream(), client.GetStream(), relay, cut.Token);
            var toServer = ToServerAsync(client.GetStream(), server.GetStream(), relay, cut.Token);
            await Task.WhenAny(toClient, toServer);
            await cut.CancelAsync();
            await Task.WhenAll(toClient, toServer);
        }
    }

    /// <summary>One connection's state: whether PostgreSQL's answers are being held back, and whether the dropped COMMIT was confirmed.</summary>
    private sealed class Relay
    {
        public volatile bool Dropping;
        public volatile bool DroppingAll;
        public readonly TaskCompletionSource CommitConfirmed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Passes PostgreSQL's answers on; once dropping, passes them on up to the COMMIT's confirmation and nothing from it on.</summary>
    private async Task ToClientAsync(NetworkStream from, NetworkStream to, Relay relay, CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        var held = new List<byte>(); // answers not passed on yet: the end of one may be the start of the confirmation
        try
        {
            for (int read; (read = await from.ReadAsync(buffer, cancel)) > 0;)
            {
                if (!relay.Dropping)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), cancel);
                    continue;
                }
                held.AddRange(buffer.AsSpan(0, read));
                var confirmation = CollectionsMarshal.AsSpan(held).IndexOf(Committed);
                var safe = relay.DroppingAll ? 0 : confirmation >= 0 ? confirmation : Math.Max(0, held.Count - (Committed.Length - 1));
                await to.WriteAsync(held.ToArray().AsMemory(0, safe), cancel);
                held.RemoveRange(0, safe);
                if (confirmation < 0) continue;
                Interlocked.Increment(ref _dropped);
                relay.CommitConfirmed.TrySetResult();
                return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException) { }
    }

    /// <summary>Passes the client's messages on; after the armed COMMIT, waits for its confirmation and then ends the connection.</summary>
    private async Task ToServerAsync(NetworkStream from, NetworkStream to, Relay relay, CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            for (int read; (read = await from.ReadAsync(buffer, cancel)) > 0;)
            {
                var armed = buffer.AsSpan(0, read).IndexOf(Commit) >= 0 ? Interlocked.Exchange(ref _armed, 0) : 0;
                var isDroppedCommit = armed != 0;
                if (isDroppedCommit) (relay.DroppingAll, relay.Dropping) = (armed == 2, true);
                await to.WriteAsync(buffer.AsMemory(0, read), cancel);
                if (!isDroppedCommit) continue;
                await relay.CommitConfirmed.Task.WaitAsync(cancel);
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
