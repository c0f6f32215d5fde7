using System.Buffers.Binary;
using System.Text;

namespace Tollgate.Runtime.Transport;

/// <summary>
/// The binary header of a grain call on the wire, followed by the message's JSON:
/// <c>[u16 type][u16 key][u16 message][i32 timeout ms]</c>, each string as a UTF-8 length and bytes.
/// </summary>
internal static class CallEnvelope
{
    public const int MaxNameBytes = 1024;
    public const string Path = "/grain-call";
    public const string ContentType = "application/x-tollgate-call";

    public static byte[] Write(GrainId grain, string message, int timeoutMilliseconds, byte[] payload)
    {
        var size = 3 * 2 + 4 + Encoding.UTF8.GetByteCount(grain.Type) + Encoding.UTF8.GetByteCount(grain.Key) + Encoding.UTF8.GetByteCount(message) + payload.Length;
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span = WriteString(span, grain.Type);
        span = WriteString(span, grain.Key);
        span = WriteString(span, message);
        BinaryPrimitives.WriteInt32LittleEndian(span, timeoutMilliseconds);
        payload.CopyTo(span[4..]);
        return buffer;
    }

    public static bool TryRead(ReadOnlySpan<byte> body, out GrainId grain, out string message, out int timeoutMilliseconds, out ReadOnlySpan<byte> payload)
    {
        grain = default;
        message = "";
        timeoutMilliseconds = 0;
        payload = default;
        if (!TryReadString(ref body, out var type) || !TryReadString(ref body, out var key) || !TryReadString(ref body, out message) || body.Length < 4)
            return false;
        grain = new GrainId(type, key);
        timeoutMilliseconds = BinaryPrimitives.ReadInt32LittleEndian(body);
        payload = body[4..];
        return timeoutMilliseconds > 0;
    }

    private static Span<byte> WriteString(Span<byte> span, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, span[2..]);
        if (length > MaxNameBytes) throw new GrainException(GrainErrorCodes.BadMessage, $"'{value[..32]}…' is longer than {MaxNameBytes} bytes.");
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)length);
        return span[(2 + length)..];
    }

    private static bool TryReadString(ref ReadOnlySpan<byte> span, out string value)
    {
        value = "";
        if (span.Length < 2) return false;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(span);
        if (length > MaxNameBytes || span.Length < 2 + length) return false;
        value = Encoding.UTF8.GetString(span.Slice(2, length));
        span = span[(2 + length)..];
        return true;
    }
}

/// <summary>The JSON body of a failed grain call.</summary>
internal sealed record CallError(string Code, string Message, string? RedirectTo = null);

[System.Text.Json.Serialization.JsonSerializable(typeof(CallError))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class TransportJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
