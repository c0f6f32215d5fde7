using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tollgate.Grains.Limits;

/// <summary>
/// What a rate limiter has counted and holds, carried to the grain's next activation: by Orleans' migration when
/// the grain moves, by a checkpoint in PostgreSQL when it is deactivated or its silo crashes. <see cref="Settings"/>
/// are the limits it counted under (a caller IP without limits of its own counts under the defaults it was given).
/// One format for both: the checkpoint's JSON.
/// </summary>
internal sealed record LimiterState(LimitSettings Settings, WindowState? Requests, WindowState? TokensPerMinute, WindowState? TokensPerDay, GrantState[] Grants)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, LimiterJson.Default.LimiterState);

    public static LimiterState? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, LimiterJson.Default.LimiterState);
}

/// <summary>A sliding window's buckets from the oldest that counts anything: <see cref="Counts"/> oldest first, the last one being bucket <see cref="Newest"/>.</summary>
internal sealed record WindowState(long Newest, long[] Counts);

/// <summary>An in-flight request's grant: its token estimate, when it was counted, and when its slot frees itself.</summary>
internal sealed record GrantState(string RequestId, long Tokens, long At, long ExpiresAt);

[JsonSerializable(typeof(LimiterState))]
internal sealed partial class LimiterJson : JsonSerializerContext;
