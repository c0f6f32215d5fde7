using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.FakeUpstream;

/// <summary>POST /v1/embeddings: a deterministic unit vector per input item, as floats or (the openai SDKs' default) base64.</summary>
internal static class Embeddings
{
    public static async Task RespondAsync(HttpContext context, FakeRequest request)
    {
        var items = Items(request.Root);
        var dimensions = 8;
        if (request.Root.TryGetProperty("dimensions", out var requested) && requested.ValueKind != JsonValueKind.Null
            && !(requested.TryGetInt32Number(out dimensions) && dimensions is >= 1 and <= 4096))
            throw FakeRequest.Invalid("dimensions");
        var base64 = request.Root.TryGetProperty("encoding_format", out var format) && format.ValueKind != JsonValueKind.Null
            ? format.GetStringOrNull() switch { "float" => false, "base64" => true, _ => throw FakeRequest.Invalid("encoding_format") }
            : false;

        var data = new JsonArray();
        for (var i = 0; i < items.Count; i++)
        {
            var vector = Vector(items[i].Key, dimensions);
            JsonNode embedding = base64 ? Base64(vector) : new JsonArray([.. vector.Select(value => (JsonNode)value)]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }
        var tokens = request.Fake.InputTokens ?? items.Sum(item => item.Tokens);
        var body = new JsonObject { ["object"] = "list", ["data"] = data, ["model"] = request.Model };
        if (request.Fake.Usage) body["usage"] = new FakeUsage(tokens, 0, request.Fake).Embeddings();
        await (request.Fake.CutAfter is null ? FakeJson.WriteAsync(context, body) : FakeJson.WriteHalfAndCutAsync(context, body));
    }

    /// <summary>The input as items: a string, strings, one token array, or token arrays; each with a key and its tokens.</summary>
    private static List<(string Key, int Tokens)> Items(JsonElement root)
    {
        if (!root.TryGetProperty("input", out var input)) throw new BadFakeRequestException("input is required", "input", "missing_required_parameter");
        if (input.ValueKind == JsonValueKind.String) return [Text(input)];
        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0) throw FakeRequest.Invalid("input");
        var elements = input.EnumerateArray().ToList();
        if (elements.All(e => e.ValueKind == JsonValueKind.String)) return [.. elements.Select(Text)];
        if (elements.All(e => e.ValueKind == JsonValueKind.Number)) return [TokenArray(input)];
        if (elements.All(e => e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0)) return [.. elements.Select(TokenArray)];
        throw FakeRequest.Invalid("input");
    }

    private static (string, int) Text(JsonElement text) => ("s:" + text.GetString(), FakeRequest.TokensOf(text.GetString()!.Length));

    private static (string, int) TokenArray(JsonElement tokens)
    {
        var ids = tokens.EnumerateArray().Select(t => t.TryGetInt32Number(out var id) && id >= 0 ? id : throw FakeRequest.Invalid("input")).ToList();
        return ("t:" + string.Join(',', ids), ids.Count);
    }

    /// <summary>A unit vector seeded by a hash of the item: the same input always embeds the same way.</summary>
    private static float[] Vector(string key, int dimensions)
    {
        var seed = BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        var random = new Random(seed);
        var vector = Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var length = MathF.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => length > 0 ? v / length : v)];
    }

    /// <summary>Little-endian float32s, base64-encoded: what the openai SDKs decode.</summary>
    private static string Base64(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        return Convert.ToBase64String(bytes);
    }

    private static bool TryGetInt32Number(this JsonElement value, out int result)
    {
        result = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out result);
    }

    private static string? GetStringOrNull(this JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
