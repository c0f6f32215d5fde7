using Npgsql;

namespace Tollgate.Tests.Infrastructure;

public sealed class PostgresFixtureTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Databases_are_isolated_from_each_other()
    {
        var first = await postgres.CreateDatabaseAsync();
        var second = await postgres.CreateDatabaseAsync();
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);

        await ExecuteAsync(first, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");
        await ExecuteAsync(first, "INSERT INTO items VALUES (1, 'only-in-first')");
        await ExecuteAsync(second, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");

        Assert.Equal("only-in-first", await ScalarAsync(first, "SELECT name FROM items WHERE id = 1"));
        Assert.Equal(0L, await ScalarAsync(second, "SELECT count(*) FROM items"));
    }

    [Fact]
    public async Task Connection_string_reaches_a_working_server()
    {
        var cs = await postgres.CreateDatabaseAsync();
        Assert.Equal(new NpgsqlConnectionStringBuilder(cs).Database, await ScalarAsync(cs, "SELECT current_database()"));
        Assert.Equal(1, await ScalarAsync(cs, "SELECT 1"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }
}
