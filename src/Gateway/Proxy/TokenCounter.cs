using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// Estimates the input tokens of a request (OpenAI's APIs, Anthropic's Messages API) before it is forwarded, so the proxy can hold
/// credit for its worst case (input estimate + max output tokens). Thread-safe; one per process.
/// <para><b>Exact</b> (the model's own tiktoken encoding, via Microsoft.ML.Tokenizers): the tokens of every
/// text: message contents and text parts, names, instructions, completion prompts and embedding inputs given
/// as strings; prompts and inputs given as token arrays count their length. The encoding is the library's
/// for the model name (gpt-4o*, gpt-4.1*, o1/o3/o4*, gpt-5* → o200k_base; gpt-4*, gpt-3.5*,
/// text-embedding-* → cl100k_base); any other name, or one whose encoding is not shipped, uses o200k_base.</para>
/// <para><b>Per OpenAI's cookbook rule</b> ("How to count tokens with tiktoken", for gpt-3.5/gpt-4 era chat
/// models; exact there, close for later models): each chat message costs 3 tokens plus its role, content and
/// other string fields, a <c>name</c> 1 more, and the reply is primed with 3.</para>
/// <para><b>Approximate</b>:
/// images are OpenAI's tile rule without the image: detail "low" is 85 tokens, anything else is taken as a
/// 1024×1024 image at high detail, 85 + 4 × 170 = 765 (larger images can cost more, smaller less);
/// <c>input_audio</c> is OpenAI's 1 token per 100 ms of input audio with the duration guessed from the data's
/// size (wav as 16 kHz 16-bit mono, other formats as 64 kbit/s: low rates, so long guesses);
/// a file given inline is 1 token per 4 bytes of decoded data, a file given by id is <see cref="FileReferenceTokens"/>
/// (its content is unknown here); tool calls are their function name + arguments; tool and function
/// definitions, a json_schema response format and anything of unknown shape are the tokens of their JSON text;
/// the Responses API's items and instructions follow the chat message rule (OpenAI documents no rule there).
/// A run of over <see cref="MaxRun"/> characters with no whitespace boundary (base64, minified code, a word
/// repeated without spaces) is counted in pieces of that length: BPE is quadratic in the length of one
/// pre-token (1 MB of one letter takes minutes otherwise); measured error is under 0.2%, mostly over.</para>
/// <para><b>Claude models</b> (<see cref="IsClaude"/>): Anthropic publishes no tokenizer for them, so every count for one,
/// through any API (Anthropic's Messages API, or an OpenAI-compatible endpoint serving Claude), is o200k_base's count ×
/// 1.25, rounded up: o200k undercounts Claude by roughly 15–20 % on prose and more on code, and a hold should err high
/// (the settle charges the provider's report). Anthropic's request shape is counted by <see cref="MessagesInput"/>.</para>
/// <para><b>Malformed bodies never throw</b>: a field of the wrong JSON kind is counted by its JSON text or
/// skipped; the caller validates required fields itself.</para>
/// </summary>
public sealed class TokenCounter
{
    /// <summary>Model names cached past this are resolved on each call (names come from configuration, but guard anyway).</summary>
    public const int MaxCachedModels = 1_000;

    /// <summary>The longest run of characters handed to the tokenizer in one piece (see the class remarks).</summary>
    public const int MaxRun = 256;

    // OpenAI cookbook, "How to count tokens with tiktoken".
    public const int PerMessage = 3;
    public const int PerName = 1;
    public const int ReplyPriming = 3;

    // OpenAI's vision pricing: low detail is a flat 85; high detail is 85 + 170 per 512-px tile (1024×1024 = 4 tiles).
    public const int LowDetailImageTokens = 85;
    public const int HighDetailImageTokens = 85 + 170 * 4;

    /// <summary>A file referenced by id: its content is unknown here, so a flat placeholder.</summary>
    public const int FileReferenceTokens = 1_000;

    private const int WavBytesPerSecond = 16_000 * 2; // 16 kHz, 16-bit, mono
    private const int CompressedAudioBytesPerSecond = 64_000 / 8;
    private const int AudioTokensPerSecond = 10; // 1 token per 100 ms
    private const int FileBytesPerToken = 4;

    private const int O200kEndOfText = 199_999;
    private const int Cl100kEndOfText = 100_257;

    private readonly Lazy<Tokenizer> _o200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private readonly Lazy<Tokenizer> _cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));
    private readonly ConcurrentDictionary<string, Tokenizer> _byModel = new(StringComparer.Ordinal);

    // The tokenizer for an upstream model name: the library's choice, else o200k_base.
    private Tokenizer For(string model)
    {
        if (string.IsNullOrEmpty(model)) return _o200k.Value;
        if (_byModel.TryGetValue(model, out var cached)) return cached;
        var tokenizer = Resolve(model);
        if (_byModel.Count < MaxCachedModels) _byModel.TryAdd(model, tokenizer); // concurrent adds may pass the bound by the calls in flight
        return tokenizer;
    }

    private Tokenizer Resolve(string model)
    {
        TiktokenTokenizer forModel;
        try
        {
            forModel = TiktokenTokenizer.CreateForModel(model);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // NotSupported: a name the library does not know; InvalidOperation: its encoding's data package
            // (p50k, r50k, gpt2) is not referenced.
            return _o200k.Value;
        }
        // One instance per encoding, so every model sharing it shares its pre-token cache.
        var endOfText = forModel.SpecialTokens is { } special && special.TryGetValue("<|endoftext|>", out var id) ? id : -1;
        return endOfText switch
        {
            O200kEndOfText => _o200k.Value,
            Cl100kEndOfText => _cl100k.Value,
            _ => forModel,
        };
    }

    /// <summary>Tokens of a plain text (streamed output when the provider reports no usage).</summary>
    public long Text(string text, string model)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        StartRequest();
        return ForClaude(model, Count(For(model), text.AsSpan()));
    }

    /// <summary>Input tokens of a <c>/v1/chat/completions</c> body.</summary>
    public long ChatInput(JsonElement request, string model) => ForClaude(model, ChatTokens(request, model));

    private long ChatTokens(JsonElement request, string model)
    {
        StartRequest();
        if (request.ValueKind != JsonValueKind.Object) return 0;
        var tokenizer = For(model);
        long total = 0;
        foreach (var property in request.EnumerateObject())
        {
            switch (property.Name)
            {
                case "messages" when property.Value.ValueKind == JsonValueKind.Array:
                    foreach (var message in property.Value.EnumerateArray()) total += ChatMessage(tokenizer, message);
                    total += ReplyPriming;
                    break;
                case "messages":
                    total += Json(tokenizer, property.Value);
                    break;
                case "tools" or "functions":
                    total += Json(tokenizer, property.Value);
                    break;
                case "response_format" when property.Value.ValueKind == JsonValueKind.Object
                                             && property.Value.TryGetProperty("json_schema", out var schema):
                    total += Json(tokenizer, schema);
                    break;
            }
        }
        return total;
    }

    /// <summary>Input tokens of a <c>/v1/responses</c> body.</summary>
    public long ResponsesInput(JsonElement request, string model) => ForClaude(model, ResponsesTokens(request, model));

    private long ResponsesTokens(JsonElement request, string model)
    {
        StartRequest();
        if (request.ValueKind != JsonValueKind.Object) return 0;
        var tokenizer = For(model);
        long total = 0;
        foreach (var property in request.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "instructions" when value.ValueKind == JsonValueKind.String:
                    total += PerMessage + Count(tokenizer, "developer") + String(tokenizer, value);
                    break;
                case "input" when value.ValueKind == JsonValueKind.String:
                    total += PerMessage + Count(tokenizer, "user") + String(tokenizer, value);
                    break;
                case "input" when value.ValueKind == JsonValueKind.Array:
                    foreach (var item in value.EnumerateArray()) total += ResponsesItem(tokenizer, item);
                    break;
                case "input":
                    total += Json(tokenizer, value);
                    break;
                case "tools":
                    total += Json(tokenizer, value);
                    break;
                case "text" when value.ValueKind == JsonValueKind.Object
                                 && value.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.Object
                                 && format.TryGetProperty("type", out var type) && type.ValueEquals("json_schema"):
                    total += Json(tokenizer, format);
                    break;
            }
        }
        return total + ReplyPriming;
    }

    /// <summary>Input tokens of a <c>/v1/completions</c> body: its <c>prompt</c>.</summary>
    public long CompletionsInput(JsonElement request, string model)
    {
        StartRequest();
        return ForClaude(model, PromptLike(request, "prompt", model));
    }

    /// <summary>Input tokens of a <c>/v1/embeddings</c> body: its <c>input</c>.</summary>
    public long EmbeddingsInput(JsonElement request, string model)
    {
        StartRequest();
        return ForClaude(model, PromptLike(request, "input", model));
    }

    /// <summary>
    /// Input tokens of an Anthropic <c>/v1/messages</c> (or <c>count_tokens</c>) body: its <c>system</c> prompt (a string or
    /// text blocks), its <c>messages</c> by the chat rule (3 per message, its role, its content: a string or blocks; 3 to prime
    /// the reply) and its <c>tools</c> as JSON text. Blocks: text; image (<see cref="ClaudeImageTokens"/>); document (a plain
    /// text source's text, a content source's blocks, base64 data at 1 token per 4 bytes, a URL or file id
    /// <see cref="FileReferenceTokens"/>, plus its title and context); tool_use (name and input JSON); tool_result (its
    /// content); thinking (its text); anything else its JSON text. For a Claude model, the whole count × 1.25 (<see cref="IsClaude"/>).
    /// </summary>
    public long MessagesInput(JsonElement request, string model)
    {
        StartRequest();
        if (request.ValueKind != JsonValueKind.Object) return 0;
        var tokenizer = For(model);
        long total = 0;
        foreach (var property in request.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "system":
                    total += ClaudeContent(tokenizer, value);
                    break;
                case "messages" when value.ValueKind == JsonValueKind.Array:
                    foreach (var message in value.EnumerateArray()) total += ClaudeMessage(tokenizer, message);
                    total += ReplyPriming;
                    break;
                case "messages" or "tools":
                    total += Json(tokenizer, value);
                    break;
            }
        }
        return ForClaude(model, total);
    }

    // A string, an array of strings, an array of token ids, or an array of arrays of token ids.
    private long PromptLike(JsonElement request, string field, string model)
    {
        if (request.ValueKind != JsonValueKind.Object || !request.TryGetProperty(field, out var prompt)) return 0;
        var tokenizer = For(model);
        if (prompt.ValueKind != JsonValueKind.Array) return PromptElement(tokenizer, prompt);
        long total = 0;
        foreach (var element in prompt.EnumerateArray()) total += PromptElement(tokenizer, element);
        return total;
    }

    private static long PromptElement(Tokenizer tokenizer, JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => String(tokenizer, element),
        JsonValueKind.Number => 1, // a token id
        JsonValueKind.Array => TokenIds(tokenizer, element),
        JsonValueKind.Null => 0,
        _ => Json(tokenizer, element),
    };

    private static long TokenIds(Tokenizer tokenizer, JsonElement array)
    {
        long total = 0;
        foreach (var id in array.EnumerateArray()) total += id.ValueKind == JsonValueKind.Number ? 1 : Json(tokenizer, id);
        return total;
    }

    private static long ChatMessage(Tokenizer tokenizer, JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object) return PerMessage + Json(tokenizer, message);
        long total = PerMessage;
        foreach (var property in message.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "content":
                    total += Content(tokenizer, value);
                    break;
                case "name":
                    total += PerName + Value(tokenizer, value);
                    break;
                case "tool_calls" when value.ValueKind == JsonValueKind.Array:
                    foreach (var call in value.EnumerateArray())
                        total += call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function)
                            ? FunctionCall(tokenizer, function)
                            : Json(tokenizer, call);
                    break;
                case "function_call":
                    total += FunctionCall(tokenizer, value);
                    break;
                default:
                    // The cookbook counts the value of every key (role, tool_call_id, refusal, ...).
                    total += Value(tokenizer, value);
                    break;
            }
        }
        return total;
    }

    private static long ResponsesItem(Tokenizer tokenizer, JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object) return PerMessage + Json(tokenizer, item);
        var type = item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case null or "message":
                if (!item.TryGetProperty("role", out _) && !item.TryGetProperty("content", out _)) break;
                long total = PerMessage;
                foreach (var property in item.EnumerateObject())
                {
                    if (property.NameEquals("content")) total += Content(tokenizer, property.Value);
                    else if (property.NameEquals("role")) total += Value(tokenizer, property.Value);
                }
                return total;
            case "function_call":
                return PerMessage + FunctionCall(tokenizer, item);
            case "function_call_output":
                return PerMessage + (item.TryGetProperty("output", out var output) ? Content(tokenizer, output) : 0);
        }
        return PerMessage + Json(tokenizer, item); // unknown item types (reasoning, web search calls, ...)
    }

    /// <summary>
    /// Anthropic's images cost about width × height / 750 tokens, and one larger than ~1.15 megapixels (1568 px on its long
    /// edge) is first scaled down to about this many: a flat estimate, the largest an image costs unscaled (the image is not
    /// decoded here; newer models may read larger ones, and the settle charges the provider's count).
    /// </summary>
    public const int ClaudeImageTokens = 1_600;

    /// <summary>
    /// Whether <paramref name="model"/> (the provider's name for it) is one of Anthropic's Claude models: its name, after any
    /// <c>provider/</c> prefix, starts with <c>claude</c>, or with <c>anthropic.claude</c> as cloud platforms write it
    /// (<c>claude-sonnet-4-5</c>, <c>anthropic/claude-3-5-haiku</c>, <c>us.anthropic.claude-3-7-sonnet</c>).
    /// <para><b>The Claude rule</b>: Anthropic publishes no tokenizer for its current models, so they are counted with
    /// o200k_base and the count is multiplied by 1.25, rounded up. o200k undercounts Claude's tokens by roughly 15–20 % on
    /// English prose and more on code: a hold should err high, and the settle charges what the provider reports. Every
    /// count for such a model takes the rule, whichever API it comes through (its flat estimates, images included).</para>
    /// </summary>
    public static bool IsClaude(string model)
    {
        if (string.IsNullOrEmpty(model)) return false;
        var name = model.AsSpan(model.LastIndexOf('/') + 1);
        var at = name.IndexOf("claude", StringComparison.OrdinalIgnoreCase);
        return at == 0 || at > 0 && name[at - 1] == '.' && name[..(at - 1)].EndsWith("anthropic", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A name counted as a Claude model: the proxy's for a Messages API request before it has seen the model's route.</summary>
    public const string AnyClaude = "claude";

    /// <summary>A count as it stands, or under the Claude rule (× 1.25, rounded up) for a Claude model.</summary>
    private static long ForClaude(string model, long tokens) => IsClaude(model) ? tokens + (tokens + 3) / 4 : tokens;

    private static long ClaudeMessage(Tokenizer tokenizer, JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object) return PerMessage + Json(tokenizer, message);
        long total = PerMessage;
        foreach (var property in message.EnumerateObject())
        {
            if (property.NameEquals("content")) total += ClaudeContent(tokenizer, property.Value);
            else if (property.NameEquals("role")) total += Value(tokenizer, property.Value);
        }
        return total;
    }

    // A string, or an array of content blocks (a system prompt's, a message's, a tool result's).
    private static long ClaudeContent(Tokenizer tokenizer, JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array) return Value(tokenizer, content);
        long total = 0;
        foreach (var block in content.EnumerateArray()) total += ClaudeBlock(tokenizer, block);
        return total;
    }

    private static long ClaudeBlock(Tokenizer tokenizer, JsonElement block)
    {
        if (block.ValueKind != JsonValueKind.Object) return Value(tokenizer, block);
        if (!block.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String) return Json(tokenizer, block);
        if (type.ValueEquals("text")) return block.TryGetProperty("text", out var text) ? Value(tokenizer, text) : 0;
        if (type.ValueEquals("thinking")) return block.TryGetProperty("thinking", out var thinking) ? Value(tokenizer, thinking) : 0;
        if (type.ValueEquals("image")) return ClaudeImageTokens;
        if (type.ValueEquals("document")) return ClaudeDocument(tokenizer, block);
        if (type.ValueEquals("tool_use") || type.ValueEquals("server_tool_use"))
        {
            long call = 0;
            if (block.TryGetProperty("name", out var name)) call += Value(tokenizer, name);
            if (block.TryGetProperty("input", out var input)) call += Json(tokenizer, input);
            return call;
        }
        if (type.ValueEquals("tool_result")) return block.TryGetProperty("content", out var result) ? ClaudeContent(tokenizer, result) : 0;
        return Json(tokenizer, block); // search results, server tools' results, redacted thinking, ...
    }

    private static long ClaudeDocument(Tokenizer tokenizer, JsonElement document)
    {
        long total = 0;
        if (document.TryGetProperty("title", out var title)) total += Value(tokenizer, title);
        if (document.TryGetProperty("context", out var context)) total += Value(tokenizer, context);
        if (!document.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object) return total;
        var kind = source.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return total + kind switch
        {
            "text" => source.TryGetProperty("data", out var data) ? Value(tokenizer, data) : 0,
            "content" => source.TryGetProperty("content", out var content) ? ClaudeContent(tokenizer, content) : 0,
            "base64" => source.TryGetProperty("data", out var encoded) && encoded.ValueKind == JsonValueKind.String
                ? (DecodedBytes(encoded) + FileBytesPerToken - 1) / FileBytesPerToken
                : 0,
            "url" or "file" => FileReferenceTokens,
            _ => Json(tokenizer, source),
        };
    }

    // A function call or tool call's function: its name and arguments.
    private static long FunctionCall(Tokenizer tokenizer, JsonElement function)
    {
        if (function.ValueKind != JsonValueKind.Object) return Json(tokenizer, function);
        long total = 0;
        if (function.TryGetProperty("name", out var name)) total += Value(tokenizer, name);
        if (function.TryGetProperty("arguments", out var arguments)) total += Value(tokenizer, arguments);
        return total;
    }

    // Message content: a string or an array of parts (chat and Responses part types alike).
    private static long Content(Tokenizer tokenizer, JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array) return Value(tokenizer, content);
        long total = 0;
        foreach (var part in content.EnumerateArray()) total += Part(tokenizer, part);
        return total;
    }

    private static long Part(Tokenizer tokenizer, JsonElement part)
    {
        if (part.ValueKind != JsonValueKind.Object) return Value(tokenizer, part);
        if (!part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String) return Json(tokenizer, part);
        if (type.ValueEquals("text") || type.ValueEquals("input_text") || type.ValueEquals("output_text"))
            return part.TryGetProperty("text", out var text) ? Value(tokenizer, text) : 0;
        if (type.ValueEquals("refusal"))
            return part.TryGetProperty("refusal", out var refusal) ? Value(tokenizer, refusal) : 0;
        if (type.ValueEquals("image_url"))
            return Image(part.TryGetProperty("image_url", out var image) && image.ValueKind == JsonValueKind.Object ? image : default);
        if (type.ValueEquals("input_image")) return Image(part);
        if (type.ValueEquals("input_audio"))
            return part.TryGetProperty("input_audio", out var audio) ? Audio(tokenizer, audio) : 0;
        if (type.ValueEquals("file"))
            return part.TryGetProperty("file", out var file) ? File(tokenizer, file) : 0;
        if (type.ValueEquals("input_file")) return File(tokenizer, part);
        return Json(tokenizer, part);
    }

    private static long Image(JsonElement image) =>
        image.ValueKind == JsonValueKind.Object && image.TryGetProperty("detail", out var detail) && detail.ValueEquals("low")
            ? LowDetailImageTokens
            : HighDetailImageTokens;

    private static long Audio(Tokenizer tokenizer, JsonElement audio)
    {
        if (audio.ValueKind != JsonValueKind.Object) return Json(tokenizer, audio);
        if (!audio.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String) return 0;
        var wav = audio.TryGetProperty("format", out var format) && format.ValueEquals("wav");
        var seconds = (double)DecodedBytes(data) / (wav ? WavBytesPerSecond : CompressedAudioBytesPerSecond);
        return (long)Math.Ceiling(seconds * AudioTokensPerSecond);
    }

    private static long File(Tokenizer tokenizer, JsonElement file)
    {
        if (file.ValueKind != JsonValueKind.Object) return Json(tokenizer, file);
        long total = 0;
        if (file.TryGetProperty("filename", out var filename)) total += Value(tokenizer, filename);
        if (file.TryGetProperty("file_data", out var data) && data.ValueKind == JsonValueKind.String)
            total += (DecodedBytes(data) + FileBytesPerToken - 1) / FileBytesPerToken;
        else if (file.TryGetProperty("file_id", out _) || file.TryGetProperty("file_url", out _))
            total += FileReferenceTokens;
        return total;
    }

    // The decoded size of a base64 string (a data: URL's prefix included: a few bytes over), without decoding it.
    private static long DecodedBytes(JsonElement base64)
    {
        var raw = JsonMarshal.GetRawUtf8Value(base64);
        var text = raw.Length >= 2 ? raw[1..^1] : raw; // without the quotes
        var padding = text.Length - text.TrimEnd((byte)'=').Length;
        return Math.Max(0, text.Length * 3L / 4 - padding);
    }

    // A field's value: a string's tokens; null nothing; anything else its JSON text.
    private static long Value(Tokenizer tokenizer, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => String(tokenizer, value),
        JsonValueKind.Null or JsonValueKind.Undefined => 0,
        _ => Json(tokenizer, value),
    };

    private static long String(Tokenizer tokenizer, JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value); // with its quotes
        var utf8 = raw.Length >= 2 ? raw[1..^1] : raw;
        if (utf8.IndexOf((byte)'\\') < 0) return Utf8(tokenizer, utf8);
        string? text;
        try
        {
            text = value.GetString(); // escapes: let the reader unescape
        }
        catch (InvalidOperationException)
        {
            return Utf8(tokenizer, utf8); // a lone surrogate escape: count the escaped text
        }
        return text is null ? 0 : Count(tokenizer, text.AsSpan());
    }

    // Any value's JSON text as sent (tool definitions, schemas, unknown shapes): approximate.
    private static long Json(Tokenizer tokenizer, JsonElement value) =>
        value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? 0 : Utf8(tokenizer, JsonMarshal.GetRawUtf8Value(value));

    private static long Utf8(Tokenizer tokenizer, ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return 0;
        var buffer = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            var length = Encoding.UTF8.GetChars(utf8, buffer);
            return Count(tokenizer, buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static long Count(Tokenizer tokenizer, string text) => Count(tokenizer, text.AsSpan());

    /// <summary>
    /// Text past this many characters in one request is not tokenized but extrapolated from what was: counting
    /// costs 50 ms to seconds of CPU per megabyte (base64-like text is the slow kind), and a caller must not be
    /// able to buy that with one request. The estimate only sizes a hold; the provider's usage is what is charged.
    /// </summary>
    public const int MaxExactChars = 256 * 1024;

    [ThreadStatic] private static long t_exactCharsLeft; // counting is synchronous: one request's count runs on one thread
    [ThreadStatic] private static long t_exactChars;
    [ThreadStatic] private static long t_exactTokens;

    /// <summary>Starts one request's count: its budget of exactly counted characters.</summary>
    private static void StartRequest() => (t_exactCharsLeft, t_exactChars, t_exactTokens) = (MaxExactChars, 0, 0);

    private static long Count(Tokenizer tokenizer, ReadOnlySpan<char> text)
    {
        if (text.Length <= t_exactCharsLeft) return Exact(tokenizer, text);
        var exact = (int)t_exactCharsLeft;
        var tokens = exact > 0 ? Exact(tokenizer, text[..exact]) : 0;
        // The rest at the density counted so far (the budget's worth of this request's own text).
        var density = t_exactChars == 0 ? 0.25 : (double)t_exactTokens / t_exactChars;
        return tokens + (long)Math.Ceiling((text.Length - exact) * density);
    }

    // Hands the tokenizer pieces with no run longer than MaxRun between whitespace boundaries (see the class remarks).
    private static long Exact(Tokenizer tokenizer, ReadOnlySpan<char> text)
    {
        var tokens = Pieces(tokenizer, text);
        (t_exactCharsLeft, t_exactChars, t_exactTokens) = (t_exactCharsLeft - text.Length, t_exactChars + text.Length, t_exactTokens + tokens);
        return tokens;
    }

    private static long Pieces(Tokenizer tokenizer, ReadOnlySpan<char> text)
    {
        long total = 0;
        var pieceStart = 0;
        var runStart = 0;
        var inWhitespace = false;
        for (var i = 0; i < text.Length; i++)
        {
            var whitespace = char.IsWhiteSpace(text[i]);
            if (whitespace != inWhitespace)
            {
                inWhitespace = whitespace;
                runStart = i;
            }
            else if (i - runStart >= MaxRun && !char.IsLowSurrogate(text[i]))
            {
                total += tokenizer.CountTokens(text[pieceStart..i]);
                pieceStart = runStart = i;
            }
        }
        return total + tokenizer.CountTokens(text[pieceStart..]);
    }
}
