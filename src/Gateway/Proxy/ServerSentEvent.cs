using System.Buffers;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// Splits a server-sent event stream into events (each ends at a blank line; lines end in LF or CRLF) without
/// copying: an event is a slice of what was read, relayed byte for byte. Only its <c>data</c> is looked into.
/// </summary>
internal static class ServerSentEvent
{
    private static ReadOnlySpan<byte> DataField => "data:"u8;

    /// <summary>Takes the next whole event off the front of <paramref name="buffer"/>; false when it has not all arrived yet.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> rawEvent)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (line.IsEmpty || line.Length == 1 && line.FirstSpan[0] == (byte)'\r')
            {
                rawEvent = buffer.Slice(0, reader.Position);
                buffer = buffer.Slice(reader.Position);
                return true;
            }
        }
        rawEvent = default;
        return false;
    }

    /// <summary>
    /// The event's data: its <c>data:</c> lines joined by LF (the usual event has one, returned as a slice).
    /// Empty when it has none (a comment, a keep-alive).
    /// </summary>
    public static ReadOnlySequence<byte> Data(ReadOnlySequence<byte> rawEvent)
    {
        var reader = new SequenceReader<byte>(rawEvent);
        ReadOnlySequence<byte> first = default;
        ArrayBufferWriter<byte>? joined = null;
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r') line = line.Slice(0, line.Length - 1);
            if (line.Length < DataField.Length || !StartsWithData(line)) continue;
            var value = line.Slice(DataField.Length);
            if (!value.IsEmpty && value.FirstSpan[0] == (byte)' ') value = value.Slice(1);
            if (first.IsEmpty && joined is null)
            {
                first = value;
                continue;
            }
            if (joined is null)
            {
                joined = new ArrayBufferWriter<byte>();
                Write(joined, first);
            }
            joined.Write("\n"u8);
            Write(joined, value);
        }
        return joined is null ? first : new ReadOnlySequence<byte>(joined.WrittenMemory);
    }

    private static bool StartsWithData(ReadOnlySequence<byte> line)
    {
        Span<byte> start = stackalloc byte[5];
        line.Slice(0, DataField.Length).CopyTo(start);
        return start.SequenceEqual(DataField);
    }

    private static void Write(IBufferWriter<byte> writer, ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes) writer.Write(segment.Span);
    }
}
