namespace Tollgate.Tests.Infrastructure;

/// <summary>Polls a condition that the system reaches on its own (a flush, a takeover after a failure), failing after a bound.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string failure, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }
}
