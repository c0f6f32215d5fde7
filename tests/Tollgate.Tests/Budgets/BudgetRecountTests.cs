using Npgsql;
using Tollgate.Grains.Accounts;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Budgets;

/// <summary>
/// A budget set mid-period counts the period's settled requests by when each was authorized (a silo's clock), found
/// through when each was recorded (PostgreSQL's clock): the two clocks may disagree (migration 0016).
/// </summary>
public sealed class BudgetRecountTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
    private static readonly DateTimeOffset End = DateTimeOffset.Parse("2026-12-02T00:00:00Z");

    [Fact]
    public async Task The_recount_finds_requests_by_authorize_time_though_the_silos_clock_ran_ahead_of_postgres()
    {
        var database = await postgres.CreateDatabaseAsync();
        await SiloDatabase.MigrateAsync(database);
        await Ledger.ExecuteAsync(database, "INSERT INTO accounts (account_id, balance, overdraft_limit, version) VALUES ('acme', 0, 0, 1)");
        // request, key, authorized (silo), recorded (PostgreSQL), cost, tokens
        await InsertAsync(database, "ahead", "k1", "2026-12-01T00:10:00Z", "2026-11-30T23:20:00Z", 1, 10); // the silo 50 minutes ahead
        await InsertAsync(database, "late", "k1", "2026-12-01T23:59:00Z", "2026-12-02T05:00:00Z", 2, 20); // settled hours after the period
        await InsertAsync(database, "unkeyed", null, "2026-12-01T12:00:00Z", "2026-12-01T12:00:01Z", 4, 40);
        await InsertAsync(database, "before", "k1", "2026-11-30T23:59:00Z", "2026-12-01T00:01:00Z", 100, 1000); // authorized before it
        await InsertAsync(database, "after", "k1", "2026-12-02T00:00:00Z", "2026-12-02T00:00:01Z", 200, 2000);

        await using var source = NpgsqlDataSource.Create(database);
        Assert.Equal(new(7, 70), await AccountStore.SpentAsync(source, "acme", null, Start, End));
        Assert.Equal(new(3, 30), await AccountStore.SpentAsync(source, "acme", "k1", Start, End));
    }

    private static Task InsertAsync(string database, string requestId, string? keyId, string authorizedAt, string createdAt, long cost, long tokens) =>
        Ledger.ExecuteAsync(database, $"""
            INSERT INTO usage_events (account_id, request_id, key_id, model, input_tokens, output_tokens, input_price, output_price, cost, charged,
                outcome, streamed, authorized_at, created_at)
            VALUES ('acme', '{requestId}', {(keyId is null ? "NULL" : $"'{keyId}'")}, 'm1', {tokens}, 0, 0, 0, {cost}, {cost}, 'ok', false,
                '{authorizedAt}', '{createdAt}')
            """);
}
