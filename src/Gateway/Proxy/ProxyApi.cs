using System.Text.Json;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// What metering needs to know of each endpoint the proxy serves (OpenAI's, and Anthropic's Messages API): where it goes
/// upstream and to which kind of provider, how its input is counted, which field caps its output, what its usage is
/// called, and where a stream carries text.
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

    /// <summary>
    /// Anthropic's Messages API: <c>max_tokens</c> is required (the hold is sized from it, no default is ever added); a stream
    /// reports its input in <c>message_start</c> (nested in its <c>message</c>) and its output, cumulative, in <c>message_delta</c>.
    /// </summary>
    public static readonly ProxyApi Messages = new("messages", ["max_tokens"], ProviderUsage.Anthropic,
        streams: true, usageOnRequest: false, (counter, body, model) => counter.MessagesInput(body, model), ProviderKind.Anthropic, requiresCap: true);

    /// <summary>Anthropic's <c>/v1/messages/count_tokens</c>: forwarded, never metered (no cap, no usage).</summary>
    public static readonly ProxyApi CountTokens = new("messages/count_tokens", [], _ => default,
        streams: false, usageOnRequest: false, (_, _, _) => 0, ProviderKind.Anthropic);

    private readonly Func<TokenCounter, JsonElement, string, long> _countInput;
    private readonly Func<JsonElement, Usage> _readUsage;

    private ProxyApi(string upstreamPath, string[] outputCaps, Func<JsonElement, Usage> readUsage, bool streams, bool usageOnRequest,
        Func<TokenCounter, JsonElement, string, long> countInput, ProviderKind kind = ProviderKind.OpenAi, bool requiresCap = false)
    {
        (UpstreamPath, OutputCaps, _readUsage, Streams, UsageOnRequest, _countInput, Kind, RequiresCap) =
            (upstreamPath, outputCaps, readUsage, streams, usageOnRequest, countInput, kind, requiresCap);
    }

    /// <summary>The kind of provider that serves this API: a model routed to a provider of another kind is refused, never translated.</summary>
    public ProviderKind Kind { get; }

    /// <summary>The output cap is required (Anthropic's <c>max_tokens</c>): no default is added, and its choices are always one.</summary>
    public bool RequiresCap { get; }

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
        // The Responses API nests it in the response its last event carries; Anthropic's message_start in its message.
        var holder = this == Responses && data.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object ? response
            : this == Messages && data.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object ? message
            : data;
        if (!holder.TryGetProperty("usage", out var found) || found.ValueKind != JsonValueKind.Object) return false;
        usage = _readUsage(found);
        return true;
    }

    /// <summary>
    /// Whether a usage seen in this stream event is the answer's last word on it. OpenAI's APIs report usage once; Anthropic's
    /// <c>message_start</c> carries the input and only the first output token, <c>message_delta</c> the whole output.
    /// </summary>
    public bool IsFinalUsage(JsonElement data) =>
        this != Messages || data.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("message_delta");

    /// <summary>The generated text in an answer (non-streamed) or a stream event, for counting when the provider reports no usage.</summary>
    public IEnumerable<string> OutputText(JsonElement data)
    {
        if (this == Messages)
        {
            foreach (var text in MessageText(data)) yield return text;
            yield break;
        }
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

    /// <summary>Whether a stream event is the end of a complete answer: <c>[DONE]</c>, the Responses API's last event, or Anthropic's <c>message_stop</c>.</summary>
    public bool IsEnd(JsonElement data)
    {
        if (!data.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String) return false;
        if (this == Messages) return type.ValueEquals("message_stop");
        return this == Responses && type.GetString() is "response.completed" or "response.incomplete" or "response.failed";
    }

    /// <summary>
    /// Anthropic's generated text: a stream's <c>content_block_delta</c> (text, a tool call's <c>partial_json</c>, thinking) and
    /// <c>content_block_start</c> (a block's name and any text it starts with); a whole message's content blocks (text, a tool
    /// call's name and input JSON, thinking).
    /// </summary>
    private static IEnumerable<string> MessageText(JsonElement data)
    {
        if (data.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
        {
            foreach (var text in Strings(delta, "text", "partial_json", "thinking")) yield return text;
            yield break;
        }
        if (data.TryGetProperty("content_block", out var started))
        {
            foreach (var text in Block(started)) yield return text;
            yield break;
        }
        if (!data.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array) yield break;
        foreach (var block in content.EnumerateArray())
        {
            foreach (var text in Block(block)) yield return text;
        }

        static IEnumerable<string> Block(JsonElement block)
        {
            foreach (var text in Strings(block, "text", "thinking", "name")) yield return text;
            // A tool call's input: its JSON, as the model generated it (a stream's start has an empty object, counted as the little it is).
            if (block.ValueKind == JsonValueKind.Object && block.TryGetProperty("input", out var input) && input.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                yield return input.GetRawText();
        }
    }

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
