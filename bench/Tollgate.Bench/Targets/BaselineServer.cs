using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;
using Tollgate.Telemetry;

namespace Tollgate.Bench.Targets;

/// <summary>
/// The baselines, behind the same HTTP front as the gateway (Kestrel, the same JSON body parsing):
/// <list type="bullet">
/// <item><c>/direct/v1/*</c>, postgres-direct: reserve and settle done the way most gateways do it
/// today, one SQL transaction per call from the gateway process (hold the worst-case cost against
/// the balance; settle the actual cost with a ledger row and a usage row), on the same PostgreSQL.</item>
/// <item><c>/redis/v1/*</c>, redis-postgres: Redis counters with a PostgreSQL ledger (<see cref="RedisPostgres"/>).</item>
/// <item><c>/ceiling/v1/*</c>: the same requests parsed and answered with no work, the most the ingress can do here.</item>
/// </list>
/// </summary>
public static class BaselineServer
{
    public const string Schema = """
        -- A limit is a fixed one-minute window counted on the account's row: what one SQL statement per call can do.
        CREATE TABLE IF NOT EXISTS direct_accounts (account_id text PRIMARY KEY, balance bigint NOT NULL, pending bigint NOT NULL DEFAULT 0,
            rpm_limit int, window_start timestamptz, window_count int NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS direct_prices (model text PRIMARY KEY, input_price bigint NOT NULL, output_price bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS direct_holds (account_id text NOT NULL, request_id text NOT NULL, amount bigint NOT NULL,
            input_price bigint NOT NULL, output_price bigint NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (account_id, request_id));
        -- The ledger and usage rows have Tollgate's shape, indexes and checks (its migrations ran first), so both
        -- pay the same per-row cost: the usage queries need those indexes whichever way rows are written.
        CREATE TABLE IF NOT EXISTS direct_ledger (LIKE ledger INCLUDING ALL, FOREIGN KEY (account_id) REFERENCES direct_accounts);
        CREATE TABLE IF NOT EXISTS direct_usage (LIKE usage_events INCLUDING ALL, FOREIGN KEY (account_id) REFERENCES direct_accounts);
        """;

    /// <param name="redis">The Redis of the redis-postgres target (<c>/redis/v1</c>), if this front serves it.</param>
    public static async Task<WebApplication> BuildAsync(int port, string connectionString, string? redis)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.LogRequestsOnlyWhenConfigured(); // as Tollgate's processes: no activity per request where nothing traces
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var dataSource = new NpgsqlDataSourceBuilder(connectionString);
        dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64; // the same tuning as the silo's, so the baseline is not handicapped
        var database = dataSource.Build();
        builder.Services.AddSingleton(database);
        if (redis is not null)
        {
            builder.Services.AddSingleton<IConnectionMultiplexer>(await ConnectionMultiplexer.ConnectAsync($"{redis},abortConnect=false"));
            builder.Services.AddSingleton(await RedisPostgres.Prices.LoadAsync(database));
        }
        var app = builder.Build();
        app.MapGet("/health", () => Results.Ok());
        MapDirect(app.MapGroup("/direct/v1"));
        MapCeiling(app.MapGroup("/ceiling/v1"));
        if (redis is not null) RedisPostgres.Map(app.MapGroup("/redis/v1"));
        return app;
    }

    private static void MapDirect(RouteGroupBuilder direct)
    {
        direct.MapPost("/authorize", async (HttpRequest request, NpgsqlDataSource database) =>
        {
            var call = await AuthorizeBody.ReadAsync(request);
            // One transaction: read the price, count the call in the account's window if it has a limit, and
            // hold the worst case if the balance covers it and the window has room.
            await using var command = database.CreateCommand("""
                WITH price AS (SELECT input_price, output_price FROM direct_prices WHERE model = $3),
                held AS (
                    UPDATE direct_accounts a SET pending = a.pending + (SELECT ($4 * input_price + $5 * output_price + 999999) / 1000000 FROM price),
                        window_count = CASE WHEN a.rpm_limit IS NULL THEN 0 WHEN a.window_start = date_trunc('minute', now()) THEN a.window_count + 1 ELSE 1 END,
                        window_start = CASE WHEN a.rpm_limit IS NULL THEN NULL ELSE date_trunc('minute', now()) END
                    WHERE a.account_id = $1 AND a.balance - a.pending >= (SELECT ($4 * input_price + $5 * output_price + 999999) / 1000000 FROM price)
                        AND (a.rpm_limit IS NULL OR a.window_start IS DISTINCT FROM date_trunc('minute', now()) OR a.window_count < a.rpm_limit)
                    RETURNING a.account_id)
                INSERT INTO direct_holds (account_id, request_id, amount, input_price, output_price, expires_at)
                SELECT $1, $2, ($4 * input_price + $5 * output_price + 999999) / 1000000, input_price, output_price, now() + interval '5 minutes'
                FROM price, held
                RETURNING amount
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = call.AccountId });
            command.Parameters.Add(new NpgsqlParameter { Value = call.RequestId });
            command.Parameters.Add(new NpgsqlParameter { Value = call.Model });
            command.Parameters.Add(new NpgsqlParameter { Value = call.Input });
            command.Parameters.Add(new NpgsqlParameter { Value = call.Output });
            var reserved = await command.ExecuteScalarAsync();
            return reserved is long amount
                ? Results.Ok(new { allowed = true, reservation_id = $"{call.AccountId}|{call.RequestId}|{call.Model}", reserved = amount })
                : Results.Ok(new { allowed = false, reason = await DenialAsync(database, call.AccountId) });
        });
        direct.MapPost("/settle", async (HttpRequest request, NpgsqlDataSource database) =>
        {
            var call = await SettleBody.ReadAsync(request);
            var parts = call.ReservationId.Split('|');
            // One transaction: release the hold, charge the actual cost, write the ledger and usage rows.
            await using var command = database.CreateCommand("""
                WITH hold AS (DELETE FROM direct_holds WHERE account_id = $1 AND request_id = $2 RETURNING amount, input_price, output_price),
                cost AS (SELECT amount, input_price, output_price, ($4 * input_price + $5 * output_price + 999999) / 1000000 AS cost FROM hold),
                account AS (
                    UPDATE direct_accounts a SET balance = a.balance - cost.cost, pending = a.pending - cost.amount
                    FROM cost WHERE a.account_id = $1 RETURNING a.balance, cost.cost),
                ledger AS (
                    INSERT INTO direct_ledger (account_id, kind, op_key, amount, balance_after, requested, reserved)
                    SELECT $1, 'settle', $2, -account.cost, account.balance, account.cost, cost.amount FROM account, cost RETURNING amount),
                usage AS (
                    INSERT INTO direct_usage (account_id, request_id, model, input_tokens, output_tokens, input_price, output_price, cost, charged, outcome, streamed)
                    SELECT $1, $2, $3, $4, $5, input_price, output_price, cost, cost, 'success', false FROM cost)
                SELECT -amount FROM ledger
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = parts[0] });
            command.Parameters.Add(new NpgsqlParameter { Value = parts[1] });
            command.Parameters.Add(new NpgsqlParameter { Value = parts[2] });
            command.Parameters.Add(new NpgsqlParameter { Value = call.Input });
            command.Parameters.Add(new NpgsqlParameter { Value = call.Output });
            var charged = await command.ExecuteScalarAsync();
            return charged is long amount
                ? Results.Ok(new { request_id = parts[1], charged = amount })
                : Results.NotFound(new { error = new { code = "reservation_not_found", message = "No such hold." } });
        });
    }

    /// <summary>Why the hold was not taken (asked only for a denial): the window was full, else the credit was short.</summary>
    private static async Task<string> DenialAsync(NpgsqlDataSource database, string accountId)
    {
        await using var command = database.CreateCommand(
            "SELECT rpm_limit IS NOT NULL AND window_start = date_trunc('minute', now()) AND window_count >= rpm_limit FROM direct_accounts WHERE account_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        return await command.ExecuteScalarAsync() switch
        {
            true => "rate_limit_exceeded",
            false => "insufficient_credit",
            _ => "account_not_found",
        };
    }

    private static void MapCeiling(RouteGroupBuilder ceiling)
    {
        ceiling.MapPost("/authorize", async (HttpRequest request) =>
        {
            var call = await AuthorizeBody.ReadAsync(request);
            return Results.Ok(new { allowed = true, reservation_id = $"{call.AccountId}|{call.RequestId}|{call.Model}", reserved = 6_000L });
        });
        ceiling.MapPost("/settle", async (HttpRequest request) =>
        {
            var call = await SettleBody.ReadAsync(request);
            return Results.Ok(new { request_id = call.ReservationId, charged = call.Input * 2 + call.Output * 8 });
        });
    }
}
