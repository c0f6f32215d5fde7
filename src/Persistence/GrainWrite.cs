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

    /// <summary>Adds a statement that must change exactly one row.</summary>
    public GrainWrite Guarded(string sql, params object?[] values) => Add(sql, values, guarded: true);

    /// <summary>Adds a statement whose row count does not matter.</summary>
    public GrainWrite Then(string sql, params object?[] values) => Add(sql, values, guarded: false);

    private GrainWrite Add(string sql, object?[] values, bool guarded)
    {
        _statements.Add(new Statement(sql, values, guarded));
        return this;
    }

    internal sealed record Statement(string Sql, object?[] Values, bool IsGuarded)
    {
        /// <summary>A fresh command each time: a command belongs to one batch, and a batch may be retried.</summary>
        public NpgsqlBatchCommand ToCommand()
        {
            var command = new NpgsqlBatchCommand(Sql);
            foreach (var value in Values)
            {
                command.Parameters.Add(value is NpgsqlParameter template ? template.Clone() : new NpgsqlParameter { Value = value ?? DBNull.Value });
            }
            return command;
        }
    }
}
