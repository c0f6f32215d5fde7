using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Gateway.Metering;

namespace Tollgate.Gateway.Journal;

/// <summary>A settlement the cluster could not take when it was made: everything needed to apply it later, on any gateway.</summary>
internal sealed record JournaledSettlement(
    [property: JsonPropertyName("reservation")] ReservationToken Token,
    [property: JsonPropertyName("input_tokens")] long InputTokens,
    [property: JsonPropertyName("output_tokens")] long OutputTokens,
    [property: JsonPropertyName("estimated")] bool Estimated,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("streamed")] bool Streamed,
    [property: JsonPropertyName("latency_ms")] int? LatencyMs,
    [property: JsonPropertyName("journaled_at")] DateTimeOffset JournaledAt,
    [property: JsonPropertyName("details"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Grains.Metering.TokenDetails? Details = null)
{
    [JsonIgnore]
    public SettledTokens Tokens => new(InputTokens, OutputTokens, Estimated, Details);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, JournalJson.Default.JournaledSettlement);

    public static JournaledSettlement FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, JournalJson.Default.JournaledSettlement) ?? throw new JsonException("An empty journal entry.");
}

[JsonSerializable(typeof(JournaledSettlement))]
internal sealed partial class JournalJson : JsonSerializerContext;
