using System.Net.Sockets;
using System.Text;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tollgate.Tests.Proxy;

/// <summary>Nothing before authentication is expensive: a caller without a valid key gets its 401 before its body is read.</summary>
public sealed class UnauthenticatedBodyTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Connections = 300;

    [Fact]
    public async Task Slow_bodies_announcing_32_MiB_with_a_bad_key_are_refused_before_they_are_read_in_small_fixed_memory()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        var gateway = stack.Cluster.GatewayAddress();
        var committedBefore = Committed();

        var sockets = new List<TcpClient>();
        try
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, Connections).Select(async i =>
            {
                var client = new TcpClient();
                lock (sockets) sockets.Add(client);
                await client.ConnectAsync(gateway.Host, gateway.Port);
                var stream = client.GetStream();
                var key = i % 2 == 0 ? "x" : "tg_madeup.secret"; // no key at all, and a well-formed one nobody issued
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"POST /v1/chat/completions HTTP/1.1\r\nHost: {gateway.Authority}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {32 * 1024 * 1024}\r\n\r\n{{\"model\""));
                // The body never comes: the answer must not wait for it.
                var status = new byte[12];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var read = 0;
                while (read < status.Length) read += await stream.ReadAsync(status.AsMemory(read), timeout.Token) is > 0 and var n ? n : throw new EndOfStreamException();
                return Encoding.ASCII.GetString(status);
            }));
            var committedAfter = Committed();
            output.WriteLine($"{Connections} slow bodies with bad keys: GC committed {committedBefore / 1_048_576.0:F1} -> {committedAfter / 1_048_576.0:F1} MiB; working set {Environment.WorkingSet / 1_048_576.0:F1} MiB");
            Assert.All(answers, answer => Assert.Equal("HTTP/1.1 401", answer));
            Assert.InRange(committedAfter - committedBefore, long.MinValue, 64L * 1024 * 1024); // one 32 MiB buffer each would be 9+ GiB
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }

    private static long Committed()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetGCMemoryInfo().TotalCommittedBytes;
    }
}
