using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Persistence;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Limits;

/// <summary>Two activations' views of one grain's checkpoint row, as a stale activation and the live one hold them.</summary>
public sealed class WindowTableTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task An_activation_refused_once_by_the_version_fence_never_writes_again()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await SiloDatabase.MigrateAsync(database, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
        await using var committer = new GroupCommitter(dataSource, new GroupCommitOptions(), NullLogger<GroupCommitter>.Instance);
        var (stale, live) = (new WindowTable("ip/10.0.0.1", committer, dataSource), new WindowTable("ip/10.0.0.1", committer, dataSource));
        await stale.ReadAsync();
        await live.ReadAsync();
        await live.WriteAsync(Counting(1), () => { });

        var refusals = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var error = await Assert.ThrowsAsync<TollgateException>(() => stale.WriteAsync(Counting(99), () => refusals++));
            Assert.Equal(ErrorCodes.StaleActivation, error.Code);
        }
        await live.WriteAsync(Counting(2), () => { });
        // After the live one's next checkpoint, the stale one's version would match it if refusals had moved its fence.
        await Assert.ThrowsAsync<TollgateException>(() => stale.WriteAsync(Counting(99), () => refusals++));

        Assert.Equal(1, refusals); // the activation heard it was stale once
        Assert.Equal(2, await Ledger.ScalarAsync(database, "SELECT version FROM limit_windows"));
        Assert.Equal(2, await Ledger.ScalarAsync(database, "SELECT (state -> 'Requests' -> 'Counts' ->> 0)::bigint FROM limit_windows"));
    }

    private static LimiterState Counting(long requests) =>
        new(new LimitSettings(100, null, null, null), new WindowState(1, [requests]), null, null, []);
}
