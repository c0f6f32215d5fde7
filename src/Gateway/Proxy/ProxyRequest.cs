using System.Buffers;
using System.Text.Json;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// A client's request to a proxied endpoint, read for what metering needs: the model, whether it streams,
/// whether the client asked for a stream's usage, and its worst case in tokens. The body goes upstream as it
/// came, except the model (renamed to the provider's name for it), the output cap the hold was sized with when
/// the client set none (so the answer cannot cost more than was held; Anthropic's required <c>max_tokens</c> is
/// never added, a request without it is refused), and, for a stream whose usage must be asked for,
/// <c>stream_options.include_usage</c>.
/// </summary>
internal sealed class ProxyRequest
{
    private const int MaxChoices = 128;

    private ProxyRequest(ProxyApi api, string model, bool stream, bool clientAskedUsage, long outputCap, long? addedCap)
    {
        (Api, Model, Stream, ClientAskedUsage, OutputCap, AddedCap) = (api, model, stream, clientAskedUsage, outputCap, addedCap);
    }

    public ProxyApi Api { get; }

    public string Model { get; }

    public bool Stream { get; }

    /// <summary>The client set <c>stream_options.include_usage</c>: it sees the usage chunk; otherwise the proxy asks for it and drops it.</summary>
    public bool ClientAskedUsage { get; }

    /// <summary>The output tokens held: the request's own cap (times its choices), or the configured default.</summary>
    public long OutputCap { get; }

    /// <summary>The cap per choice sent upstream in the API's first cap field when the client set none (null: the client's stands).</summary>
    public long? AddedCap { get; }

    public static ProxyRequest Read(ProxyApi api, JsonElement body, long defaultOutputCap)
    {
        if (!body.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
            throw ApiException.BadRequest("missing_field", "'model' is required: a string naming the model.", "model");
        var name = model.GetString()!;
        if (!Ids.IsModel(name))
            throw new ApiException(StatusCodes.Status404NotFound, "model_not_found", $"The model '{Shorten(name)}' does not exist or you do not have access to it.", "model");

        var stream = Flag(body, "stream");
        if (stream && !api.Streams) throw ApiException.BadRequest("invalid_field", "This endpoint does not stream.", "stream");
        var clientAskedUsage = body.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object && Flag(options, "include_usage");

        long outputCap = 0;
        long? addedCap = null;
        if (api.OutputCaps.Length > 0)
        {
            long? cap = null;
            foreach (var field in api.OutputCaps)
            {
                cap = Count(body, field, Price.MaxTokens, min: api.RequiresCap ? 1 : 0);
                if (cap is not null) break;
            }
            if (api.RequiresCap)
            {
                // Anthropic requires max_tokens and so does the hold: none is ever added, and Anthropic's API has no choices.
                var field = api.OutputCaps[0];
                if (cap is null) throw ApiException.BadRequest("missing_field", $"'{field}' is required: a whole number from 1 to {Price.MaxTokens}.", field);
                return new ProxyRequest(api, name, stream, clientAskedUsage, cap.Value, addedCap: null);
            }
            if (cap is null) addedCap = defaultOutputCap;
            var choices = Math.Max(Count(body, "n", MaxChoices) ?? 1, Count(body, "best_of", MaxChoices) ?? 1);
            outputCap = (cap ?? defaultOutputCap) * Math.Max(choices, 1);
        }
        return new ProxyRequest(api, name, stream, clientAskedUsage, Math.Min(outputCap, Price.MaxTokens), addedCap);
    }

    /// <summary>
    /// The body for the provider: the same fields as <paramref name="body"/> (the one this request was read from), the model
    /// renamed, the held cap added if the client set none, and usage asked for when a stream must report it.
    /// </summary>
    public void WriteUpstreamBody(JsonElement body, IBufferWriter<byte> output, string upstreamModel)
    {
        // The relaxed encoder escapes only what JSON requires: the default one writes every non-ASCII character as \uXXXX,
        // which makes a prompt in Chinese twice its size on the way to the provider. The body is JSON for an API, never HTML.
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var askUsage = Stream && Api.UsageOnRequest && !ClientAskedUsage;
        var wroteOptions = false;
        writer.WriteStartObject();
        foreach (var property in body.EnumerateObject())
        {
            if (property.NameEquals("model"))
            {
                writer.WriteString("model", upstreamModel);
            }
            else if (askUsage && property.NameEquals("stream_options") && property.Value.ValueKind == JsonValueKind.Object)
            {
                writer.WriteStartObject("stream_options");
                foreach (var option in property.Value.EnumerateObject())
                {
                    if (!option.NameEquals("include_usage")) option.WriteTo(writer);
                }
                writer.WriteBoolean("include_usage", true);
                writer.WriteEndObject();
                wroteOptions = true;
            }
            else if (AddedCap is not null && Api.OutputCaps.Contains(property.Name))
            {
                // A cap field set to null: the added cap takes its place.
            }
            else if (!(askUsage && property.NameEquals("stream_options")))
            {
                property.WriteTo(writer);
            }
        }
        if (AddedCap is { } cap) writer.WriteNumber(Api.OutputCaps[0], cap);
        if (askUsage && !wroteOptions)
        {
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static bool Flag(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw ApiException.BadRequest("invalid_field", $"'{name}' must be true or false.", name),
        };

    private static long? Count(JsonElement body, string name, long max, long min = 0)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        // The kind first: TryGetInt64 throws on anything but a number (a cap sent as "64" was a 500).
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) && count >= min && count <= max ? count
            : throw ApiException.BadRequest("invalid_field", $"'{name}' must be a whole number from {min} to {max}.", name);
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
