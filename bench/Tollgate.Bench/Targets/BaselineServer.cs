using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Gateway.Api;

namespace Tollgate.Bench.Targets;

/// <summary>
/// The baselines, behind the same HTTP front as the gateway (Kestrel, the same JSON body parsing):
/// <list type="bullet">
/// <item><c>/direct/v1/*</c>, postgres-direct: reserve and settle done the way most gateways do it
/// today, one SQL transaction per call from the gateway process (hold the worst-case cost against
/// the balance; settle the actual cost with a ledger row and a usage row), on the same PostgreSQL.</item>
/// <item><c>/ceiling/v1/*</c>: the same requests parsed and answered with no work, the most the ingress can do here.</item>
/// </list>
/// </summary>
public static class BaselineServer
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS direct_accounts (account_id text PRIMARY KEY, balance bigint NOT NULL, pending bigint NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS direct_prices (model text PRIMARY KEY, input_price bigint NOT NULL, output_price bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS direct_holds (account_id text NOT NULL, request_id text NOT NULL, amount bigint NOT NULL,
            input_price bigint NOT NULL, output_price bigint NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (account_id, request_id));
        -- The ledger and usage rows have Tollgate's shape, indexes and checks (its migrations ran first), so both
        -- pay the same per-row cost: the usage queries need those indexes whichever way rows are written.
        CREATE TABLE IF NOT EXISTS direct_ledger (LIKE ledger INCLUDING ALL, FOREIGN KEY (account_id) REFERENCES direct_accounts);
        CREATE TABLE IF NOT EXISTS direct_usage (LIKE usage_events INCLUDING ALL, FOREIGN KEY (account_id) REFERENCES direct_accounts);
        """;

    public static WebApplication Build(int port, string connectionString)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var dataSource = new NpgsqlDataSourceBuilder(connectionString);
        dataSource.ConnectionStringBuilder.MaxPoolSize = 100;
        dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64; // the same tuning as the silo's, so the baseline is not handicapped
        builder.Services.AddSingleton(dataSource.Build());
        var app = builder.Build();
        MapDirect(app.MapGroup("/direct/v1"));
        MapCeiling(app.MapGroup("/ceiling/v1"));
        return app;
    }

    private static void MapDirect(RouteGroupBuilder direct)
    {
        direct.MapPost("/authorize", async (HttpRequest request, NpgsqlDataSource database) =>
        {
            var call = await AuthorizeBody.ReadAsync(request);
            // One transaction: read the price, hold the worst case if the balance covers it.
            await using var command = database.CreateCommand("""
                WITH price AS (SELECT input_price, output_price FROM direct_prices WHERE model = $3),
                held AS (
                    UPDATE direct_accounts a SET pending = a.pending + (SELECT ($4 * input_price + $5 * output_price + 999999) / 1000000 FROM price)
                    WHERE a.account_id = $1 AND a.balance - a.pending >= (SELECT ($4 * input_price + $5 * output_price + 999999) / 1000000 FROM price)
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
                : Results.Ok(new { allowed = false, reason = "insufficient_credit" });
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

    private sealed record AuthorizeBody(string RequestId, string AccountId, string Model, long Input, long Output)
    {
        public static async Task<AuthorizeBody> ReadAsync(HttpRequest request)
        {
            using var body = await JsonBody.ReadAsync(request);
            var call = new AuthorizeBody(body.RequiredString("request_id", 200), body.RequiredString("account_id", 128), body.RequiredString("model", 200),
                body.RequiredCount("estimated_input_tokens", 100_000_000), body.RequiredCount("max_output_tokens", 100_000_000));
            body.RequiredString("caller_ip", 64);
            body.RejectUnknownFields();
            return call;
        }
    }

    private sealed record SettleBody(string ReservationId, long Input, long Output)
    {
        public static async Task<SettleBody> ReadAsync(HttpRequest request)
        {
            using var body = await JsonBody.ReadAsync(request);
            var call = new SettleBody(body.RequiredString("reservation_id", 4096), body.RequiredCount("input_tokens", 100_000_000), body.RequiredCount("output_tokens", 100_000_000));
            body.RejectUnknownFields();
            return call;
        }
    }
}
