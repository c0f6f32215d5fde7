using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using StackExchange.Redis;

namespace Tollgate.Bench.Targets;

/// <summary>
/// <c>/redis/v1/*</c>, redis-postgres: what gateway operators build instead of Tollgate (LiteLLM's and
/// Envoy ratelimit's design), done as well as that design allows. Redis holds each account's available
/// credit and its rate window; authorize is one Lua script that checks the window and the credit and
/// takes the hold atomically. Settle writes the ledger row, the usage row and the balance to PostgreSQL
/// in one transaction, then gives Redis back the hold's unused part.
/// <para>What the design cannot match: the credit that admits calls (Redis) and the balance in the
/// ledger (PostgreSQL) are two stores, not one transaction. A settle that dies between them, or a Redis
/// that restarts without its last second of writes, leaves them apart, and nothing reconciles them
/// here (an operator would run a job for it).</para>
/// </summary>
public static class RedisPostgres
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS redis_accounts (account_id text PRIMARY KEY, balance bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS redis_ledger (LIKE ledger INCLUDING ALL, FOREIGN KEY (account_id) REFERENCES redis_accounts);
        CREATE TABLE IF NOT EXISTS redis_usage (LIKE usage_events INCLUDING ALL, FOREIGN KEY (account_id) REFERENCES redis_accounts);
        """;

    /// <summary>The Redis keys of an account: its hash (<c>credit</c>, and <c>rpm</c> when limited) and its window.</summary>
    public static RedisKey AccountKey(string accountId) => $"account:{accountId}";

    private static RedisKey WindowKey(string accountId) => $"window:{accountId}";

    private static RedisKey HoldKey(string accountId, string requestId) => $"hold:{accountId}:{requestId}";

    /// <summary>
    /// Authorize: the same sliding window as Tollgate's (one-second buckets, the oldest counted whole, so no
    /// window of 60 s admits more than the limit), then the credit check and the hold, all or nothing.
    /// Redis runs a script alone, so concurrent authorizes cannot both take the last credit.
    /// </summary>
    private static readonly LuaScript Reserve = LuaScript.Prepare("""
        local account = redis.call('HMGET', @account, 'credit', 'rpm')
        if not account[1] then return 'account_not_found' end
        local rpm = tonumber(account[2]) or 0
        local bucket = 0
        if rpm > 0 then
          bucket = tonumber(redis.call('TIME')[1])
          local counted = 0
          local fields = redis.call('HGETALL', @window)
          for i = 1, #fields, 2 do
            if tonumber(fields[i]) < bucket - 60 then redis.call('HDEL', @window, fields[i]) else counted = counted + tonumber(fields[i + 1]) end
          end
          if counted >= rpm then return 'rate_limit_exceeded' end
        end
        if tonumber(account[1]) < tonumber(@amount) then return 'insufficient_credit' end
        if not redis.call('SET', @hold, @held, 'NX', 'EX', 3600) then return 'duplicate_request' end
        redis.call('HINCRBY', @account, 'credit', -tonumber(@amount))
        if rpm > 0 then
          redis.call('HINCRBY', @window, bucket, 1)
          redis.call('EXPIRE', @window, 62)
        end
        return 'ok'
        """);

    /// <summary>Settle's second half: the hold is released once, its unused part returned to the credit.</summary>
    private static readonly LuaScript Release = LuaScript.Prepare("""
        if redis.call('DEL', @hold) == 0 then return 0 end
        redis.call('HINCRBY', @account, 'credit', tonumber(@amount) - tonumber(@cost))
        return 1
        """);

    public static void Map(RouteGroupBuilder redis)
    {
        redis.MapPost("/authorize", async (HttpRequest request, IConnectionMultiplexer store, Prices prices) =>
        {
            var call = await AuthorizeBody.ReadAsync(request);
            if (prices.Find(call.Model) is not var (inputPrice, outputPrice)) return Results.Ok(new { allowed = false, reason = "model_not_priced" });
            var amount = Cost.Of(call.Input, call.Output, inputPrice, outputPrice);
            var outcome = (string?)await store.GetDatabase().ScriptEvaluateAsync(Reserve, new
            {
                account = AccountKey(call.AccountId),
                window = WindowKey(call.AccountId),
                hold = HoldKey(call.AccountId, call.RequestId),
                amount,
                held = $"{amount}:{inputPrice}:{outputPrice}",
            });
            return outcome == "ok"
                ? Results.Ok(new { allowed = true, reservation_id = $"{call.AccountId}|{call.RequestId}|{call.Model}", reserved = amount })
                : Results.Ok(new { allowed = false, reason = outcome });
        });
        redis.MapPost("/settle", async (HttpRequest request, IConnectionMultiplexer store, NpgsqlDataSource database) =>
        {
            var call = await SettleBody.ReadAsync(request);
            var parts = call.ReservationId.Split('|');
            if (parts.Length != 3) return Results.BadRequest(new { error = new { code = "invalid_reservation", message = "Not a reservation id." } });
            var (accountId, requestId, model) = (parts[0], parts[1], parts[2]);
            var redisDb = store.GetDatabase();
            var held = (string?)await redisDb.StringGetAsync(HoldKey(accountId, requestId));
            if (held is null)
            {
                // Settled before (a retry): answer what was charged; else there is no such hold.
                return await ChargedBeforeAsync(database, accountId, requestId) is long before
                    ? Results.Ok(new { request_id = requestId, charged = before })
                    : Results.NotFound(new { error = new { code = "reservation_not_found", message = "No such hold." } });
            }
            var hold = held.Split(':').Select(long.Parse).ToArray();
            var cost = Cost.Of(call.Input, call.Output, hold[1], hold[2]);
            try
            {
                await using var command = database.CreateCommand("""
                    WITH account AS (UPDATE redis_accounts SET balance = balance - $4 WHERE account_id = $1 RETURNING balance),
                    ledger AS (
                        INSERT INTO redis_ledger (account_id, kind, op_key, amount, balance_after, requested, reserved)
                        SELECT $1, 'settle', $2, -$4, account.balance, $4, $5 FROM account RETURNING amount),
                    usage AS (
                        INSERT INTO redis_usage (account_id, request_id, model, input_tokens, output_tokens, input_price, output_price, cost, charged, outcome, streamed)
                        SELECT $1, $2, $3, $6, $7, $8, $9, $4, $4, 'success', false FROM account)
                    SELECT -amount FROM ledger
                    """);
                foreach (var value in (object[])[accountId, requestId, model, cost, hold[0], call.Input, call.Output, hold[1], hold[2]])
                    command.Parameters.Add(new NpgsqlParameter { Value = value });
                await command.ExecuteScalarAsync();
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A concurrent retry committed first; it releases the hold.
                return Results.Ok(new { request_id = requestId, charged = cost });
            }
            await redisDb.ScriptEvaluateAsync(Release, new { hold = HoldKey(accountId, requestId), account = AccountKey(accountId), amount = hold[0], cost });
            return Results.Ok(new { request_id = requestId, charged = cost });
        });
    }

    /// <summary>Gives each account its credit in Redis (the bench's accounts have no limit), pipelined.</summary>
    public static async Task SeedAsync(string redis, IEnumerable<string> accounts, long credit)
    {
        await using var store = await ConnectionMultiplexer.ConnectAsync(redis);
        var database = store.GetDatabase();
        foreach (var chunk in accounts.Chunk(10_000))
            await Task.WhenAll(chunk.Select(account => database.HashSetAsync(AccountKey(account), "credit", credit)));
    }

    /// <summary>An account whose Redis credit plus open holds is not its balance in the ledger.</summary>
    public sealed record Apart(string Account, long Redis, long Ledger);

    /// <summary>
    /// Compares, for every account whose id starts with <paramref name="accountPrefix"/>, Redis' credit (which admits
    /// calls) plus what is held now with the ledger's balance: the two stores of this design can drift apart.
    /// </summary>
    public static async Task<(int Compared, List<Apart> Apart)> CompareWithLedgerAsync(string redis, string connectionString, string accountPrefix)
    {
        await using var store = await ConnectionMultiplexer.ConnectAsync(redis);
        var database = store.GetDatabase();
        var holds = new List<RedisKey>();
        await foreach (var key in store.GetServer(redis).KeysAsync(pattern: $"hold:{accountPrefix}*", pageSize: 10_000)) holds.Add(key);
        var amounts = await database.StringGetAsync([.. holds]);
        var held = new Dictionary<string, long>();
        for (var i = 0; i < holds.Count; i++)
        {
            var account = ((string)holds[i]!)["hold:".Length..].Split(':')[0];
            held[account] = held.GetValueOrDefault(account) + long.Parse(((string)amounts[i]!).Split(':')[0]);
        }
        await using var postgres = NpgsqlDataSource.Create(connectionString);
        var balances = new List<(string Account, long Balance)>();
        await using (var command = postgres.CreateCommand("SELECT account_id, balance FROM redis_accounts WHERE starts_with(account_id, $1)"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = accountPrefix });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) balances.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        var apart = new List<Apart>();
        foreach (var chunk in balances.Chunk(10_000))
        {
            var credits = await Task.WhenAll(chunk.Select(b => database.HashGetAsync(AccountKey(b.Account), "credit")));
            for (var i = 0; i < chunk.Length; i++)
            {
                var inRedis = (long)credits[i] + held.GetValueOrDefault(chunk[i].Account);
                if (inRedis != chunk[i].Balance) apart.Add(new Apart(chunk[i].Account, inRedis, chunk[i].Balance));
            }
        }
        return (balances.Count, apart);
    }

    private static async Task<long?> ChargedBeforeAsync(NpgsqlDataSource database, string accountId, string requestId)
    {
        await using var command = database.CreateCommand("SELECT -amount FROM redis_ledger WHERE account_id = $1 AND kind = 'settle' AND op_key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        command.Parameters.Add(new NpgsqlParameter { Value = requestId });
        return await command.ExecuteScalarAsync() as long?;
    }

    /// <summary>Model prices, read from PostgreSQL once at start and kept in the front's memory, as LiteLLM keeps its cost map.</summary>
    public sealed class Prices(IReadOnlyDictionary<string, (long Input, long Output)> prices)
    {
        public (long Input, long Output)? Find(string model) => prices.TryGetValue(model, out var price) ? price : null;

        public static async Task<Prices> LoadAsync(NpgsqlDataSource database)
        {
            var prices = new Dictionary<string, (long, long)>();
            await using var command = database.CreateCommand("SELECT model, input_price, output_price FROM direct_prices");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) prices[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            return new Prices(prices);
        }
    }
}
