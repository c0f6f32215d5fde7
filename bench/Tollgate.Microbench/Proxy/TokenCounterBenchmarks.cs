using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Tollgate.Gateway.Proxy;

namespace Tollgate.Microbench.Proxy;

/// <summary>
/// The proxy's input-token estimate of large texts: prose, base64, CJK without spaces and one letter repeated (a
/// single pre-token, quadratic in BPE unless counted in runs of <see cref="TokenCounter.MaxRun"/>), at 100,000 and
/// 1,000,000 characters.
/// </summary>
[MemoryDiagnoser]
public class TokenCounterBenchmarks
{
    private readonly TokenCounter _counter = new();
    private string _text = "";

    [Params("prose", "base64", "cjk", "one-letter")]
    public string Kind { get; set; } = "";

    [Params(100_000, 1_000_000)]
    public int Chars { get; set; }

    [GlobalSetup]
    public void Create()
    {
        _text = LargeText.Of(Kind)[..Chars];
        _counter.Text("warm up", LargeText.Model);
    }

    [Benchmark]
    public long Text() => _counter.Text(_text, LargeText.Model);
}

/// <summary>The input-token estimate of a chat body holding 1 MB of prose in one message.</summary>
[MemoryDiagnoser]
public class ChatBodyTokenBenchmarks
{
    private readonly TokenCounter _counter = new();
    private JsonElement _body;

    [GlobalSetup]
    public void Create()
    {
        _body = JsonDocument.Parse(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = LargeText.Of("prose") } } })).RootElement;
        _counter.Text("warm up", LargeText.Model);
    }

    [Benchmark]
    public long ChatInputOf1MBProse() => _counter.ChatInput(_body, LargeText.Model);
}

/// <summary>A million characters of each kind of text, the same on every run.</summary>
internal static class LargeText
{
    public const string Model = "gpt-4o";

    public static string Of(string kind)
    {
        var random = new Random(7);
        switch (kind)
        {
            case "prose":
                var words = new[] { "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "gateway", "credit", "token", "limit", "1234", "naïve", "été", "—", "\n" };
                var prose = new StringBuilder();
                while (prose.Length < 1_000_000) prose.Append(words[random.Next(words.Length)]).Append(random.Next(10) == 0 ? ". " : " ");
                return prose.ToString(0, 1_000_000);
            case "base64":
                return Convert.ToBase64String(Enumerable.Range(0, 750_000).Select(_ => (byte)random.Next(256)).ToArray());
            case "cjk":
                return new string(Enumerable.Range(0, 1_000_000).Select(_ => "的一是不了人我在有他这为之大来以个中上们"[random.Next(20)]).ToArray());
            case "one-letter":
                return new string('a', 1_000_000);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "prose, base64, cjk or one-letter");
        }
    }
}
