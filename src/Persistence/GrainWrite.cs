using Npgsql;

namespace Tollgate.Persistence;

/// <summary>
/// One grain's atomic change: SQL statements committed together in one transaction (with other
/// grains' writes, see <see cref="GroupCommitter"/>). A <em>guarded</em> statement must change
/// exactly one row (a version check, an insert that must not exist yet); when it changes none the
/// write conflicts and nothing of it is committed.
/// </summary>
/// <param name="owner">Who writes, e.g. <c>account/acme</c>: writes of one owner commit in order, and failures name it.</param>
public sealed class GrainWrite(string owner)
{
    /// <summary>PostgreSQL's limit of parameters in one statement.</summary>
    private const int MaxParameters = 65_535;

    private readonly List<Statement> _statements = [];

    public string Owner { get; } = owner;

    internal IReadOnlyList<Statement> Statements => _statements;

    /// <summary>Adds a statement that must change exactly one row.</summary>
    public GrainWrite Guarded(string sql, params object?[] values) => Add(new Statement(sql, values, IsGuarded: true));

    /// <summary>Adds a statement whose row count does not matter.</summary>
    public GrainWrite Then(string sql, params object?[] values) => Add(new Statement(sql, values, IsGuarded: false));

    /// <summary>
    /// Adds a guarded insert of one new row, which the committer may send together with the rows other writes of its
    /// transaction insert into the same table: one statement for many rows costs PostgreSQL much less than one each.
    /// It may run after the write's other statements, so nothing in the write may depend on its row.
    /// </summary>
    /// <param name="into">The table and its columns, e.g. <c>ledger (account_id, kind)</c>, filled by <paramref name="values"/> in order.</param>
    /// <param name="onConflict">What makes a duplicate insert nothing, e.g. <c>ON CONFLICT (account_id, kind, op_key) DO NOTHING</c>.</param>
    public GrainWrite InsertRow(string into, string onConflict, params object?[] values) =>
        Add(new Statement(null, values, IsGuarded: true, new RowInsert(into, onConflict)));

    private GrainWrite Add(Statement statement)
    {
        _statements.Add(statement);
        return this;
    }

    /// <summary>One INSERT of the rows of several <see cref="InsertRow"/> statements of <paramref name="row"/>, in order.</summary>
    internal static IEnumerable<(NpgsqlBatchCommand Command, int Rows)> Merged(RowInsert row, List<object?[]> rows)
    {
        var width = rows[0].Length;
        foreach (var chunk in rows.Chunk(MaxParameters / width))
        {
            var command = new NpgsqlBatchCommand(row.Sql(width, chunk.Length));
            foreach (var values in chunk) AddParameters(command, values);
            yield return (command, chunk.Length);
        }
    }

    private static void AddParameters(NpgsqlBatchCommand command, object?[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(value is NpgsqlParameter template ? template.Clone() : new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
    }

    /// <param name="Text">The SQL; null for an <see cref="InsertRow"/>, whose text is made only if it runs alone (mostly it is merged).</param>
    /// <param name="Row">Set for an <see cref="InsertRow"/>: its table and conflict clause, for merging.</param>
    internal sealed record Statement(string? Text, object?[] Values, bool IsGuarded, RowInsert? Row = null)
    {
        /// <summary>A fresh command each time: a command belongs to one batch, and a batch may be retried.</summary>
        public NpgsqlBatchCommand ToCommand()
        {
            var command = new NpgsqlBatchCommand(Text ?? Row!.Sql(Values.Length, rows: 1));
            AddParameters(command, Values);
            return command;
        }
    }

    internal sealed record RowInsert(string Into, string OnConflict)
    {
        /// <summary><c>INSERT INTO {Into} VALUES ($1, …), ($k, …) {OnConflict}</c> for <paramref name="rows"/> rows of <paramref name="width"/> values.</summary>
        public string Sql(int width, int rows)
        {
            var sql = new System.Text.StringBuilder("INSERT INTO ").Append(Into).Append(" VALUES ");
            for (var r = 0; r < rows; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 1; c <= width; c++) sql.Append(c == 1 ? "$" : ", $").Append(r * width + c);
                sql.Append(')');
            }
            return sql.Append(' ').Append(OnConflict).ToString();
        }
    }
}
