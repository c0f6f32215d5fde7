using System.Text.Json;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// What metering needs to know of each OpenAI endpoint the proxy serves: where it goes upstream, how its
/// input is counted, which field caps its output, what its usage is called, and where a stream carries text.
/// </summary>
internal sealed class ProxyApi
{
    public static readonly ProxyApi ChatCompletions = new("chat/completions", ["max_completion_tokens", "max_tokens"],
        usage => ProviderUsage.OpenAi(usage, "prompt_tokens", "completion_tokens"),
        streams: true, usageOnRequest: true, (counter, body, model) => counter.ChatInput(body, model));

    public static readonly ProxyApi Responses = new("responses", ["max_output_tokens"], usage => ProviderUsage.OpenAi(usage, "input_tokens", "output_tokens"),
        streams: true, usageOnRequest: false, (counter, body, model) => counter.ResponsesInput(body, model));

    public static readonly ProxyApi Completions = new("completions", ["max_tokens"], usage => ProviderUsage.OpenAi(usage, "prompt_tokens", "completion_tokens"),
        streams: true, usageOnRequest: true, (counter, body, model) => counter.CompletionsInput(body, model));

    public static readonly ProxyApi Embeddings = new("embeddings", [], usage => ProviderUsage.OpenAi(usage, "prompt_tokens", "completion_tokens"),
        streams: false, usageOnRequest: false, (counter, body, model) => counter.EmbeddingsInput(body, model));

    private readonly Func<TokenCounter, JsonElement, string, long> _countInput;
    private readonly Func<JsonElement, Usage> _readUsage;

    private ProxyApi(string upstreamPath, string[] outputCaps, Func<JsonElement, Usage> readUsage, bool streams, bool usageOnRequest,
        Func<TokenCounter, JsonElement, string, long> countInput)
    {
        (UpstreamPath, OutputCaps, _readUsage, Streams, UsageOnRequest, _countInput) = (upstreamPath, outputCaps, readUsage, streams, usageOnRequest, countInput);
    }

    /// <summary>The path under the provider's base URL.</summary>
    public string UpstreamPath { get; }

    /// <summary>The fields that cap output tokens, first found wins; none: the endpoint produces no output tokens.</summary>
    public string[] OutputCaps { get; }

    public bool Streams { get; }

    /// <summary>A stream reports usage only when asked (<c>stream_options.include_usage</c>); otherwise always, at its end.</summary>
    public bool UsageOnRequest { get; }

    public long CountInput(TokenCounter counter, JsonElement body, string model) => _countInput(counter, body, model);

    /// <summary>The usage object of an answer or a stream event, if it has one.</summary>
    public bool TryGetUsage(JsonElement data, out Usage usage)
    {
        usage = default;
        // The Responses API nests it in the response its last event carries.
        var holder = this == Responses && data.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object ? response : data;
        if (!holder.TryGetProperty("usage", out var found) || found.ValueKind != JsonValueKind.Object) return false;
        usage = _readUsage(found);
        return true;
    }

    /// <summary>The generated text in an answer (non-streamed) or a stream event, for counting when the provider reports no usage.</summary>
    public IEnumerable<string> OutputText(JsonElement data)
    {
        if (this == Responses)
        {
            // Stream events: *.delta carry text (output text, refusals, function arguments); a whole response: its output items.
            if (data.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString()!.EndsWith(".delta", StringComparison.Ordinal))
            {
                if (data.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.String) yield return delta.GetString()!;
                yield break;
            }
            if (data.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in output.EnumerateArray())
                {
                    foreach (var text in Strings(item, "arguments")) yield return text;
                    if (!item.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array) continue;
                    foreach (var part in content.EnumerateArray())
                    {
                        foreach (var text in Strings(part, "text", "refusal")) yield return text;
                    }
                }
            }
            yield break;
        }
        if (!data.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array) yield break;
        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.ValueKind != JsonValueKind.Object) continue;
            foreach (var text in Strings(choice, "text")) yield return text; // completions
            var message = choice.TryGetProperty("delta", out var delta) ? delta : choice.TryGetProperty("message", out var whole) ? whole : default;
            if (message.ValueKind != JsonValueKind.Object) continue;
            foreach (var text in Strings(message, "content", "refusal")) yield return text;
            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function))
                        foreach (var text in Strings(function, "name", "arguments")) yield return text;
                }
            }
        }
    }

    /// <summary>Whether a stream event is the end of a complete answer: <c>[DONE]</c>, or the Responses API's last event.</summary>
    public bool IsEnd(JsonElement data) =>
        this == Responses && data.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
        && type.GetString() is "response.completed" or "response.incomplete" or "response.failed";

    /// <summary>An error reported inside a stream (the stream still ended "successfully" at the HTTP level).</summary>
    public static bool IsError(JsonElement data) =>
        data.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
        || data.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() is "error" or "response.failed";

    private static IEnumerable<string> Strings(JsonElement element, params string[] names)
    {
        if (element.ValueKind != JsonValueKind.Object) yield break;
        foreach (var name in names)
        {
            if (element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String) yield return value.GetString()!;
        }
    }
}
