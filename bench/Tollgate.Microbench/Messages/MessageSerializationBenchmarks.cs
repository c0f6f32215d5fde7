using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Microbench.Messages;

/// <summary>
/// The account's part of authorize and settle as Orleans carries them, with realistic field values:
/// each request and answer through Orleans' serializer (what a gateway and a silo pay per call over
/// TCP) and through its deep copier (what a call to an activation in the same silo pays instead).
/// The codecs and copiers are the ones Orleans generated for Tollgate.Grains.Interfaces.
/// </summary>
[MemoryDiagnoser]
public class MessageSerializationBenchmarks
{
    private const string RequestId = "chatcmpl-01JD7X4M9Q2K8Z5R3T6V";
    private const string KeyId = "7f3a9c2e51d04b8a";
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

    private ServiceProvider _services = null!;
    private Serializer<AuthorizeAccount> _authorize = null!;
    private Serializer<AccountAdmission> _admission = null!;
    private Serializer<SettleRequest> _settle = null!;
    private Serializer<RequestSettled> _settled = null!;
    private DeepCopier _copier = null!;
    private byte[] _authorizeBytes = null!;
    private byte[] _admittedBytes = null!;
    private byte[] _settleBytes = null!;
    private byte[] _settledBytes = null!;

    [GlobalSetup]
    public void CreateSerializers()
    {
        _services = new ServiceCollection().AddSerializer(serializer => serializer.AddAssembly(typeof(AuthorizeAccount).Assembly)).BuildServiceProvider();
        _authorize = _services.GetRequiredService<Serializer<AuthorizeAccount>>();
        _admission = _services.GetRequiredService<Serializer<AccountAdmission>>();
        _settle = _services.GetRequiredService<Serializer<SettleRequest>>();
        _settled = _services.GetRequiredService<Serializer<RequestSettled>>();
        _copier = _services.GetRequiredService<DeepCopier>();
        _authorizeBytes = _authorize.SerializeToArray(Authorize);
        _admittedBytes = _admission.SerializeToArray(Admitted);
        _settleBytes = _settle.SerializeToArray(Settle);
        _settledBytes = _settled.SerializeToArray(Settled);
        // A codec that lost a field would make every number here meaningless.
        var admitted = _admission.Deserialize(_admittedBytes)!;
        var sameAdmission = admitted.Admission.Limits.SequenceEqual(Admitted.Admission.Limits)
            && admitted with { Admission = Admitted.Admission } == Admitted; // records compare lists by reference: the limits are compared above
        if (!sameAdmission || _authorize.Deserialize(_authorizeBytes) != Authorize || _settle.Deserialize(_settleBytes) != Settle || _settled.Deserialize(_settledBytes) != Settled)
            throw new InvalidOperationException("A message did not survive the round trip through Orleans' serializer.");
    }

    [GlobalCleanup]
    public void DisposeServices() => _services.Dispose();

    [Benchmark]
    public byte[] SerializeAuthorizeAccount() => _authorize.SerializeToArray(Authorize);

    [Benchmark]
    public AuthorizeAccount? DeserializeAuthorizeAccount() => _authorize.Deserialize(_authorizeBytes);

    [Benchmark]
    public byte[] SerializeAccountAdmission() => _admission.SerializeToArray(Admitted);

    [Benchmark]
    public AccountAdmission? DeserializeAccountAdmission() => _admission.Deserialize(_admittedBytes);

    [Benchmark]
    public byte[] SerializeSettleRequest() => _settle.SerializeToArray(Settle);

    [Benchmark]
    public SettleRequest? DeserializeSettleRequest() => _settle.Deserialize(_settleBytes);

    [Benchmark]
    public byte[] SerializeRequestSettled() => _settled.SerializeToArray(Settled);

    [Benchmark]
    public RequestSettled? DeserializeRequestSettled() => _settled.Deserialize(_settledBytes);

    // Within one silo a call's arguments and its answer are deep-copied instead of serialized.

    [Benchmark]
    public AuthorizeAccount CopyAuthorizeAccount() => _copier.Copy(Authorize);

    [Benchmark]
    public AccountAdmission CopyAccountAdmission() => _copier.Copy(Admitted);

    [Benchmark]
    public SettleRequest CopySettleRequest() => _copier.Copy(Settle);

    [Benchmark]
    public RequestSettled CopyRequestSettled() => _copier.Copy(Settled);
}
