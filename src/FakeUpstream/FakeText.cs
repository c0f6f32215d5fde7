namespace Tollgate.FakeUpstream;

/// <summary>The deterministic output: "fake0 fake1 …", one word per token (the usage that reports it: <see cref="FakeUsage"/>).</summary>
internal static class FakeText
{
    public static string Content(int tokens) => string.Concat(Chunks(tokens, 1));

    /// <summary>The content split over exactly <paramref name="chunks"/> pieces (some empty when there are fewer words).</summary>
    public static string[] Chunks(int tokens, int chunks) => [.. Enumerable.Range(0, chunks).Select(chunk =>
    {
        var (first, end) = (chunk * tokens / chunks, (chunk + 1) * tokens / chunks);
        return string.Concat(Enumerable.Range(first, end - first).Select(i => i == 0 ? "fake0" : $" fake{i}"));
    })];

    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
