using BenchmarkDotNet.Attributes;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Runtime;

namespace Tollgate.Microbench.Messages;

/// <summary>
/// The account's part of authorize and settle on the wire: each request and response through the
/// catalog both client and silo use (source-generated JSON), with realistic field values.
/// </summary>
[MemoryDiagnoser]
public class MessageSerializationBenchmarks
{
    private const string RequestId = "chatcmpl-01JD7X4M9Q2K8Z5R3T6V";
    private const string KeyId = "key_7f3a9c2e51d04b8a";
    private const string Model = "gpt-4o-mini";

    private static readonly Price ModelPrice = new(InputPerMillion: 150_000_000, OutputPerMillion: 600_000_000);
    private static readonly DateTimeOffset AuthorizedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_763_820_000_000);

    private static readonly AuthorizeAccount Authorize = new(RequestId, KeyId, EstimatedInputTokens: 1_200, MaxOutputTokens: 800, ModelPrice, TtlSeconds: 300);

    // An allowed admission carries the account's three limits, as AccountGrain answers it.
    private static readonly AccountAdmission Admitted = new(
        new Admission(true, null,
        [
            new LimitState("account", "requests_per_minute", 600, 412, 59_000),
            new LimitState("account", "tokens_per_minute", 2_000_000, 1_318_400, 59_000),
            new LimitState("account", "tokens_per_day", 50_000_000, 31_092_750, 86_100_000),
        ]),
        Funding.Credit, Reserved: 660_000, Available: 48_203_115_000, AuthorizedAt);

    private static readonly SettleRequest Settle = new(RequestId, Model, KeyId, CallerIp: "203.0.113.7", InputTokens: 1_180, OutputTokens: 412,
        ModelPrice, Funding.Credit, Outcome: "success", Streamed: true, LatencyMs: 842, AuthorizedAt);

    private static readonly RequestSettled Settled = new(RequestId, Model, 1_180, 412, ModelPrice,
        Cost: 424_200, TrialUsed: 0, Charged: 424_200, Uncollected: 0, BalanceAfter: 48_202_690_800);

    private readonly MessageCatalog _catalog = TollgateMessages.Create();
    private readonly MessageType _authorize;
    private readonly MessageType _settle;
    private readonly byte[] _authorizeJson;
    private readonly byte[] _admittedJson;
    private readonly byte[] _settleJson;
    private readonly byte[] _settledJson;

    public MessageSerializationBenchmarks()
    {
        _authorize = _catalog.Get(typeof(AuthorizeAccount));
        _settle = _catalog.Get(typeof(SettleRequest));
        _authorizeJson = _authorize.SerializeRequest(Authorize);
        _admittedJson = _authorize.SerializeResponse(Admitted);
        _settleJson = _settle.SerializeRequest(Settle);
        _settledJson = _settle.SerializeResponse(Settled);
    }

    /// <summary>What every client call does first: find the message's wire name and serializers.</summary>
    [Benchmark]
    public MessageType LookUpMessageType() => _catalog.Get(typeof(AuthorizeAccount));

    [Benchmark]
    public byte[] SerializeAuthorizeAccount() => _authorize.SerializeRequest(Authorize);

    [Benchmark]
    public object DeserializeAuthorizeAccount() => _authorize.DeserializeRequest(_authorizeJson);

    [Benchmark]
    public byte[] SerializeAccountAdmission() => _authorize.SerializeResponse(Admitted);

    [Benchmark]
    public object? DeserializeAccountAdmission() => _authorize.DeserializeResponse(_admittedJson);

    [Benchmark]
    public byte[] SerializeSettleRequest() => _settle.SerializeRequest(Settle);

    [Benchmark]
    public object DeserializeSettleRequest() => _settle.DeserializeRequest(_settleJson);

    [Benchmark]
    public byte[] SerializeRequestSettled() => _settle.SerializeResponse(Settled);

    [Benchmark]
    public object? DeserializeRequestSettled() => _settle.DeserializeResponse(_settledJson);
}
