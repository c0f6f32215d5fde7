using System.Collections.Concurrent;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Metering;

using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Accounts;

public sealed class SiloRestartTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const int Accounts = 20;
    private const long InitialCredit = 1_000_000_000;

    [Fact]
    public async Task A_silo_stopped_and_started_under_load_keeps_every_acknowledged_settlement_and_adjustment()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        for (var a = 0; a < Accounts; a++)
            await cluster.Grains.Account($"acct-{a}").Create(new CreateAccount(0, InitialCredit, "test"));

        var settled = new ConcurrentDictionary<(string Account, string Request), RequestSettled>();
        var adjusted = new ConcurrentDictionary<(string Account, string Key), AdjustResult>();
        var failures = 0;
        using var stop = new CancellationTokenSource();

        async Task WorkerAsync(int worker)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var accountId = $"acct-{(worker * 7 + i) % Accounts}";
                var account = cluster.Grains.Account(accountId);
                var request = $"w{worker}-{i}";
                try
                {
                    if (i % 10 == 9)
                    {
                        adjusted[(accountId, request)] = await account.Adjust(new AdjustCredit(1_000 + i, "load", "test", request));
                        continue;
                    }
                    var hold = await account.HoldAsync(request, 5_000, 60);
                    if (hold.Admission.Allowed)
                        settled[(accountId, request)] = await account.ChargeAsync(request, 1_000 + i % 4_000);
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    Interlocked.Increment(ref failures); // unacknowledged: may or may not have happened (a lone silo restarting answers nothing)
                }
            }
        }

        var workers = Enumerable.Range(0, 16).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
        await Eventually.TrueAsync(() => Task.FromResult(settled.Count >= 50), "the load did not start");
        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        var atRestart = settled.Count;
        await Eventually.TrueAsync(() => Task.FromResult(settled.Count >= atRestart + 50), "the load did not go on after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.True(settled.Count > 100, $"the load ran ({settled.Count} settlements)");
        // Every acknowledged settlement and adjustment is on the ledger with its amount (unacknowledged ones may be too).
        var ledger = await Ledger.PairsAsync(database, "SELECT kind || ' ' || account_id || ' ' || op_key, amount FROM ledger");
        foreach (var ((accountId, request), result) in settled)
            Assert.Equal(-result.Charged, ledger.GetValueOrDefault($"settle {accountId} {request}", long.MinValue));
        foreach (var ((accountId, key), result) in adjusted)
            Assert.Equal(result.Amount, ledger.GetValueOrDefault($"adjust {accountId} {key}", long.MinValue));
        for (var a = 0; a < Accounts; a++)
        {
            var totals = await Ledger.ReadAsync(database, $"acct-{a}");
            Assert.Equal(totals.Balance, totals.LedgerSum);
        }
    }
}
