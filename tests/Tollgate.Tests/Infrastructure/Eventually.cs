namespace Tollgate.Tests.Infrastructure;

/// <summary>Polls a condition that the system reaches on its own (a flush, a takeover after a failure), failing after a bound.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string failure, int seconds = 60) =>
        Assert.True(await WithinAsync(condition, seconds), failure);

    /// <summary>Whether the condition held within <paramref name="seconds"/>.</summary>
    public static async Task<bool> WithinAsync(Func<Task<bool>> condition, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }
}
