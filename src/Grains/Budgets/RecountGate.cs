namespace Tollgate.Grains.Budgets;

/// <summary>
/// Keeps an account's budgets exact while one is counted from the usage table (set mid-period, or moved to another
/// zone). Authorizes and settles wait while a count runs: every settle before it has committed, so the count has it,
/// and none runs between the count and the budget taking its place, so none is missed or counted twice. One count at a time.
/// </summary>
internal sealed class RecountGate
{
    private Task? _counting;

    /// <summary>
    /// Waits while a count of <paramref name="gate"/> runs (none: the account never counted one, so it holds no gate) and until
    /// <paramref name="ready"/> (the account's row) is: a call's turn that follows with no await between counts against the budgets
    /// as they will stand. A failed <paramref name="ready"/> is left for the turn to throw.
    /// </summary>
    public static async ValueTask SteadyAsync(RecountGate? gate, Func<Task> ready)
    {
        while (true)
        {
            var wait = gate?._counting ?? ready();
            if (wait.IsCompleted) return;
            await wait;
        }
    }

    /// <summary>Runs <paramref name="change"/> (which counts, then applies in one turn) while authorizes and settles wait.</summary>
    public async Task<T> RunAsync<T>(Func<Task> ready, Func<Task<T>> change)
    {
        await SteadyAsync(this, ready);
        var done = new TaskCompletionSource();
        _counting = done.Task;
        try
        {
            return await change();
        }
        finally
        {
            _counting = null;
            done.SetResult();
        }
    }
}
