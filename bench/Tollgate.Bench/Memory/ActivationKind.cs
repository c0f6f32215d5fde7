using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Models;
using Tollgate.Runtime;

namespace Tollgate.Bench.Memory;

/// <summary>
/// One kind of activation to measure: its grain ids, the rows that give it state to load, and the
/// cheap read that activates one and checks that the state really loaded (a measurement of empty
/// activations would look cheaper than the real thing).
/// </summary>
internal sealed record ActivationKind(
    string Name,
    string State,
    Func<int, GrainId> Grain,
    Func<IGrainCaller, GrainId, Task> TouchAsync,
    Func<MemorySeed, int, int, Task> SeedAsync)
{
    /// <summary>The account ids the million-account run activates too: <c>acct-{i}</c>.</summary>
    public const string AccountPrefix = "acct-";

    /// <summary>Limits as an operator would set them: three sliding windows and a concurrency cap.</summary>
    private const string SomeLimits = """{"RequestsPerMinute":600,"TokensPerMinute":200000,"TokensPerDay":5000000,"MaxConcurrent":20}""";

    public static readonly ActivationKind Account = new("account", "balance and settings, no limits of its own",
        i => GrainTypes.AccountId(AccountPrefix + i),
        async (grains, id) => Expect((await grains.CallAsync(id, new GetAccount(0, null))).Balance == MemorySeed.Credit, id),
        (seed, from, to) => seed.AccountsAsync(AccountPrefix, from, to, limitsJson: null));

    public static readonly ActivationKind LimitedAccount = new("account with limits", "as above, plus rpm, tpm, tpd and max concurrent",
        i => GrainTypes.AccountId("limited-" + i),
        async (grains, id) => Expect((await grains.CallAsync(id, new GetAccount(0, null))).Limits.TokensPerDay is not null, id),
        (seed, from, to) => seed.AccountsAsync("limited-", from, to, SomeLimits));

    public static readonly ActivationKind ApiKey = new("api key", "owner, secret hash, name; no limits",
        i => GrainTypes.ApiKeyId(MemorySeed.KeyId(i)),
        async (grains, id) => Expect((await grains.CallAsync(id, new GetApiKey())).AccountId is { Length: > 0 }, id),
        (seed, from, to) => seed.ApiKeysAsync(from, to));

    public static readonly ActivationKind CallerIp = new("caller ip", "none stored (the defaults apply, and they are unlimited)",
        i => GrainTypes.CallerIpId($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"),
        (grains, id) => grains.CallAsync(id, new GetLimits()),
        (_, _, _) => Task.CompletedTask);

    public static readonly ActivationKind Model = new("model", "one price, no limits",
        i => GrainTypes.ModelId("model-" + i),
        async (grains, id) => Expect((await grains.CallAsync(id, new GetModel())).Current is not null, id),
        (seed, from, to) => seed.ModelsAsync(from, to));

    public static IReadOnlyList<ActivationKind> All => [Account, LimitedAccount, ApiKey, CallerIp, Model];

    private static void Expect(bool loaded, GrainId grain)
    {
        if (!loaded) throw new InvalidOperationException($"{grain} did not load its seeded state.");
    }
}
