using System.Buffers.Binary;
using System.Net;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Runtime;

/// <summary>The call stream between a client and a silo: many calls share it, and a broken peer cannot harm the silo.</summary>
[Collection("postgres")]
public sealed class CallStreamTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Concurrent_calls_sharing_a_stream_each_get_their_own_answer_whatever_order_they_finish_in()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var accounts = Enumerable.Range(0, 200).Select(i => (Id: GrainTypes.AccountId($"a{i}"), Credit: 1_000L + i)).ToList();
        await Task.WhenAll(accounts.Select(a => Task.Run(() => cluster.Grains.CallAsync(a.Id, new CreateAccount(0, a.Credit, "test")))));

        // Writes (answered after a commit) and reads (answered at once) interleave on one stream, so
        // answers come back out of order; each must still reach the caller that asked.
        var calls = accounts.SelectMany(a => Enumerable.Range(0, 10).Select(n => Task.Run(async () =>
        {
            if (n % 2 == 0)
            {
                var reserved = await cluster.Grains.CallAsync(a.Id, new ReserveCredit($"r{n}", n + 1, 60));
                Assert.Equal((a.Id.Key, $"r{n}", n + 1L), (a.Id.Key, reserved.RequestId, reserved.Amount));
            }
            else
            {
                var snapshot = await cluster.Grains.CallAsync(a.Id, new GetAccount(0, null));
                Assert.Equal((a.Id.Key, a.Credit), (snapshot.AccountId, snapshot.Balance));
            }
        })));
        await Task.WhenAll(calls);
    }

    [Theory]
    [InlineData(int.MaxValue)] // a length far beyond the frame limit
    [InlineData(2)] // too short to hold a call id
    public async Task A_stream_sending_a_malformed_frame_is_closed_and_the_silo_goes_on_serving(int frameLength)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = GrainTypes.AccountId("a");
        await cluster.Grains.CallAsync(account, new CreateAccount(0, 5, "test"));

        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var frame = new byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(frame, frameLength);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), 1);
        using var response = await http.PostAsync(new Uri(new Uri(cluster.SiloAddress()), "/grain-calls"), new ByteArrayContent(frame));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync()); // closed without an answer
        Assert.Equal(5, (await cluster.Grains.CallAsync(account, new GetAccount(0, null))).Balance);
    }
}
