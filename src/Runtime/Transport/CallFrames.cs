using System.Buffers;
using System.Buffers.Binary;

namespace Tollgate.Runtime.Transport;

/// <summary>
/// Framing of the call stream between a client and a silo (one long-lived HTTP/2 request whose body
/// carries calls and whose response carries answers, in any order). Every frame is
/// <c>[i32 length][i32 call id]</c> and then, for a call, its <see cref="CallEnvelope"/>, and for an
/// answer, <c>[u16 status]</c> and the response's (or error's) JSON. Integers are little-endian;
/// the length counts the bytes after itself.
/// </summary>
internal static class CallFrames
{
    public const string Path = "/grain-calls";
    public const string ContentType = "application/x-tollgate-calls";

    /// <summary>Largest frame accepted; a larger length means a broken or hostile peer, and the stream is closed.</summary>
    public const int MaxFrameBytes = (1 << 20) + 4096;

    private const int HeaderBytes = 8;

    public static void WriteCall(IBufferWriter<byte> output, int id, ReadOnlySpan<byte> envelope)
    {
        var span = output.GetSpan(HeaderBytes + envelope.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, 4 + envelope.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], id);
        envelope.CopyTo(span[HeaderBytes..]);
        output.Advance(HeaderBytes + envelope.Length);
    }

    public static void WriteAnswer(IBufferWriter<byte> output, int id, CallAnswer answer)
    {
        var span = output.GetSpan(HeaderBytes + 2 + answer.Body.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, 4 + 2 + answer.Body.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], id);
        BinaryPrimitives.WriteUInt16LittleEndian(span[HeaderBytes..], (ushort)answer.Status);
        answer.Body.CopyTo(span[(HeaderBytes + 2)..]);
        output.Advance(HeaderBytes + 2 + answer.Body.Length);
    }

    /// <summary>Takes the next whole frame off <paramref name="buffer"/>; false when it has not fully arrived yet.</summary>
    /// <exception cref="InvalidDataException">The frame's length is out of bounds.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out int id, out ReadOnlySequence<byte> body)
    {
        id = 0;
        body = default;
        if (buffer.Length < HeaderBytes) return false;
        Span<byte> header = stackalloc byte[HeaderBytes];
        buffer.Slice(0, HeaderBytes).CopyTo(header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 4 || length > MaxFrameBytes) throw new InvalidDataException($"A call frame of {length} bytes is out of bounds.");
        if (buffer.Length < 4 + length) return false;
        id = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        body = buffer.Slice(HeaderBytes, length - 4);
        buffer = buffer.Slice(4 + length);
        return true;
    }

    public static CallAnswer ReadAnswer(ReadOnlySequence<byte> body)
    {
        if (body.Length < 2) throw new InvalidDataException("An answer frame has no status.");
        Span<byte> status = stackalloc byte[2];
        body.Slice(0, 2).CopyTo(status);
        return new CallAnswer(BinaryPrimitives.ReadUInt16LittleEndian(status), body.Slice(2).ToArray());
    }
}
