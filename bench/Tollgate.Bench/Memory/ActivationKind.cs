using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.CallerIps;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Models;

namespace Tollgate.Bench.Memory;

/// <summary>
/// One kind of activation to measure: its grain class (as Orleans counts activations by it), its keys, the
/// rows that give it state to load, and the cheap read that activates one and checks that the state really
/// loaded (a measurement of empty activations would look cheaper than the real thing).
/// </summary>
internal sealed record ActivationKind(
    string Name,
    string State,
    Type GrainClass,
    Func<int, string> Key,
    Func<IGrainFactory, string, Task> TouchAsync,
    Func<MemorySeed, int, int, Task> SeedAsync)
{
    /// <summary>The account ids the million-account run activates too: <c>acct-{i}</c>.</summary>
    public const string AccountPrefix = "acct-";

    /// <summary>Limits as an operator would set them: three sliding windows and a concurrency cap.</summary>
    public const string SomeLimits = """{"RequestsPerMinute":600,"TokensPerMinute":200000,"TokensPerDay":5000000,"MaxConcurrent":20}""";

    public static readonly ActivationKind Account = new("account", "balance and settings, no limits of its own", typeof(AccountGrain),
        i => AccountPrefix + i,
        async (grains, key) => Expect((await grains.Account(key).Get(new GetAccount(0, null))).Balance == MemorySeed.Credit, "account", key),
        (seed, from, to) => seed.AccountsAsync(AccountPrefix, from, to, limitsJson: null));

    public static readonly ActivationKind LimitedAccount = new("account with limits", "as above, plus rpm, tpm, tpd and max concurrent", typeof(AccountGrain),
        i => "limited-" + i,
        async (grains, key) => Expect((await grains.Account(key).Get(new GetAccount(0, null))).Limits.TokensPerDay is not null, "account", key),
        (seed, from, to) => seed.AccountsAsync("limited-", from, to, SomeLimits));

    public static readonly ActivationKind ApiKey = new("api key", "owner, secret hash, name; no limits", typeof(ApiKeyGrain),
        MemorySeed.KeyId,
        async (grains, key) => Expect((await grains.ApiKey(key).Get()).AccountId is { Length: > 0 }, "api key", key),
        (seed, from, to) => seed.ApiKeysAsync(from, to));

    public static readonly ActivationKind CallerIp = new("caller ip", "none stored (the defaults apply, and they are unlimited)", typeof(CallerIpGrain),
        i => $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
        (grains, key) => grains.CallerIp(key).GetLimits(),
        (_, _, _) => Task.CompletedTask);

    public static readonly ActivationKind Model = new("model", "one price, no limits", typeof(ModelGrain),
        i => "model-" + i,
        async (grains, key) => Expect((await grains.Model(key).Get()).Current is not null, "model", key),
        (seed, from, to) => seed.ModelsAsync(from, to));

    public static IReadOnlyList<ActivationKind> All => [Account, LimitedAccount, ApiKey, CallerIp, Model];

    private static void Expect(bool loaded, string kind, string key)
    {
        if (!loaded) throw new InvalidOperationException($"The {kind} {key} did not load its seeded state.");
    }
}
