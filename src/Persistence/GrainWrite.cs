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
    private readonly List<Statement> _statements = [];

    public string Owner { get; } = owner;

    internal IReadOnlyList<Statement> Statements => _statements;

    /// <summary>Adds a statement that must change exactly one row: an INSERT, UPDATE or DELETE without a RETURNING clause.</summary>
    public GrainWrite Guarded(string sql, params object?[] values) => Add(new Statement(RowCountGuard.Wrap(sql, values.Length), values, IsGuarded: true));

    /// <summary>Adds a statement whose row count does not matter.</summary>
    public GrainWrite Then(string sql, params object?[] values) => Add(new Statement(sql, values, IsGuarded: false));

    /// <summary>
    /// Adds a guarded insert of one new row into <paramref name="table"/>, which the committer may send together with the rows other
    /// writes of its transaction insert into it: one statement for many rows costs PostgreSQL much less than one each.
    /// It may run after the write's other statements, so nothing in the write may depend on its row.
    /// </summary>
    /// <param name="values">One per column of <paramref name="table"/>, in order.</param>
    public GrainWrite InsertRow(RowTable table, params object?[] values) => AddRow(table, updates: false, values);

    /// <summary>
    /// Adds a guarded update of one row through <paramref name="table"/>. When its owner's statements in a transaction so far
    /// are all such updates of other rows (or ones it combines with, see <see cref="RowTable.Combining"/>), the committer may
    /// send it together with other owners' updates through the same table, ahead of every other statement; it never runs
    /// after a statement of its owner that came after it, though it may run before its owner's earlier updates of other rows.
    /// So the row must be its owner's alone (an account's row, its grants, a grain's checkpoint), and an owner's updates of
    /// different rows must not depend on each other's order.
    /// </summary>
    /// <param name="values">One per column of <paramref name="table"/>, in order.</param>
    public GrainWrite UpdateRow(RowTable table, params object?[] values) => AddRow(table, updates: true, values);

    private GrainWrite AddRow(RowTable table, bool updates, object?[] values)
    {
        if (table.Updates != updates) throw new ArgumentException($"{table.Name} {(table.Updates ? "updates" : "inserts")} rows.", nameof(table));
        if (values.Length != table.Width) throw new ArgumentException($"{table.Name} takes {table.Width} values, not {values.Length}.", nameof(values));
        return Add(new Statement(null, values, IsGuarded: true, table));
    }

    private GrainWrite Add(Statement statement)
    {
        _statements.Add(statement);
        return this;
    }

    private static void AddParameters(NpgsqlBatchCommand command, object?[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(value is NpgsqlParameter template ? template.Clone() : new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
    }

    /// <param name="Text">The SQL (a guarded one as <see cref="RowCountGuard.Wrap"/> makes it); null for an <see cref="InsertRow"/> or an <see cref="UpdateRow"/>.</param>
    /// <param name="Row">Set for an <see cref="InsertRow"/> or an <see cref="UpdateRow"/>: its table, for merging.</param>
    internal sealed record Statement(string? Text, object?[] Values, bool IsGuarded, RowTable? Row = null)
    {
        /// <summary>A fresh command each time: a command belongs to one batch, and a batch may be retried.</summary>
        /// <param name="index">Its place in its batch, which a guarded statement's wrong row count names.</param>
        public NpgsqlBatchCommand ToCommand(int index)
        {
            if (Row is not null) return Row.Command([Values], index);
            var command = new NpgsqlBatchCommand(Text!);
            AddParameters(command, Values);
            if (IsGuarded) RowCountGuard.AddExpectation(command, rows: 1, index);
            return command;
        }
    }
}
