using System.Text.Json;

namespace Tollgate.FakeUpstream;

/// <summary>The parts of an OpenAI request body the fake reads; anything malformed is a <see cref="BadFakeRequestException"/>.</summary>
internal sealed class FakeRequest
{
    private FakeRequest(JsonElement root, FakeControl fake)
    {
        Root = root;
        Fake = fake;
        Model = root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String && model.GetString() is { Length: > 0 } name
            ? name
            : throw new BadFakeRequestException("model is required and must be a non-empty string", "model", "missing_required_parameter");
        Stream = Bool("stream");
        if (root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object)
            IncludeUsage = options.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True;
        else if (options.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            throw Invalid("stream_options");
    }

    public JsonElement Root { get; }
    public FakeControl Fake { get; }
    public string Model { get; }
    public bool Stream { get; }
    public bool IncludeUsage { get; }

    public static FakeRequest Parse(string body)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new BadFakeRequestException("We could not parse the JSON body of your request.", null, "invalid_json");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new BadFakeRequestException("The request body must be a JSON object.", null, "invalid_json");
        return new FakeRequest(root, FakeControl.Parse(root));
    }

    /// <summary>The completion tokens to generate: <c>fake.output_tokens</c>, else the request's limit capped at 16, else 16.</summary>
    public int OutputTokens(string limitField)
    {
        if (Fake.OutputTokens is { } forced) return forced;
        if (!Root.TryGetProperty(limitField, out var limit) || limit.ValueKind == JsonValueKind.Null) return 16;
        return limit.ValueKind == JsonValueKind.Number && limit.TryGetInt32(out var max) && max >= 0 ? Math.Min(max, 16) : throw Invalid(limitField);
    }

    /// <summary>The first of these fields the request sets (chat accepts both the old and the new name).</summary>
    public string LimitField(params string[] names) => names.FirstOrDefault(name => Root.TryGetProperty(name, out _)) ?? names[0];

    /// <summary>The prompt tokens to report: <c>fake.input_tokens</c>, else a quarter of the text's characters (at least 1).</summary>
    public int InputTokens(params string[] textFields) =>
        Fake.InputTokens ?? TokensOf(textFields.Sum(field => Root.TryGetProperty(field, out var value) ? TextLength(value) : 0));

    public static int TokensOf(int characters) => Math.Max(1, (characters + 3) / 4);

    /// <summary>Characters of text in messages, content parts and prompts; a token id counts as 4 (one token).</summary>
    public static int TextLength(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!.Length,
        JsonValueKind.Number => 4,
        JsonValueKind.Array => value.EnumerateArray().Sum(TextLength),
        JsonValueKind.Object => value.EnumerateObject().Where(p => p.Name is "content" or "text").Sum(p => TextLength(p.Value)),
        _ => 0,
    };

    private bool Bool(string field) => Root.TryGetProperty(field, out var value) ? value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False or JsonValueKind.Null => false,
        _ => throw Invalid(field),
    } : false;

    public static BadFakeRequestException Invalid(string field) => new($"Invalid value for '{field}'.", field, "invalid_value");
}
