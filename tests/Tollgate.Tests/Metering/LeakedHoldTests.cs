using System.Net;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>An authorize that fails after the account reserved gives the hold back at once, not after its TTL.</summary>
public sealed class LeakedHoldTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string LostAnswer = "lost-answer";

    [Fact]
    public async Task An_authorize_whose_account_answer_is_lost_after_the_hold_voids_the_hold()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 1, clock: null, commits: null,
            silo => silo.AddIncomingGrainCallFilter(async context =>
            {
                await context.Invoke();
                // The account reserved; its answer never reaches the gateway, as when the response times out.
                if (context.Request.GetArgumentCount() == 1 && context.Request.GetArgument(0) is AuthorizeAccount { RequestId: LostAnswer }) throw new TimeoutException("The answer was lost.");
            }));
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);

        using var failed = await cluster.Metering.PostAsync("/v1/authorize", Http.Json(
            $$"""{"request_id":"{{LostAnswer}}","account_id":"acme","caller_ip":"198.51.100.1","model":"m1","estimated_input_tokens":1000,"max_output_tokens":1000,"ttl_seconds":3600}"""));
        Assert.Equal(HttpStatusCode.GatewayTimeout, failed.StatusCode);

        var account = await cluster.Grains.Account("acme").Get(new GetAccount(0, null));
        Assert.Equal((0, 0), (account.Pending, account.ActiveReservations));
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "next", account: "acme", input: 999_000, output: 1_000))); // the whole credit is free again
    }
}
