using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Runtime;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Grains.Keys;

/// <summary>
/// One API key: which account it belongs to, the hash of its secret, whether it is revoked, and
/// its rate limits. Revocation takes effect at once on every gateway: they all ask this one activation.
/// </summary>
internal sealed class ApiKeyGrain() : LimitedGrain("key"),
    IHandle<CreateApiKey, ApiKeyView>, IHandle<RevokeApiKey, ApiKeyView>, IHandle<GetApiKey, ApiKeyView>, IHandle<VerifyApiKey, ApiKeyCheck>,
    IHandle<AuthorizeKey, KeyAdmission>
{
    private ApiKeyState? _state;
    private long _version;

    protected override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_state, _version) = await GrainStateStore.LoadAsync(Database, Id, ApiKeyStateJson.Default.ApiKeyState);
        Limits.Configure(_state?.Limits ?? LimitSettings.None);
    }

    public Task<ApiKeyView> Handle(CreateApiKey request)
    {
        Validate.Key(request.AccountId, nameof(request.AccountId));
        Validate.Text(request.Name, nameof(request.Name), 200);
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.SecretHash is not { Length: 64 }) throw new GrainException(Accounts.AccountErrors.InvalidArgument, "SecretHash must be a hex SHA-256.");
        if (_state is not null)
        {
            // A retry of the same creation is answered again; anything else is a clash of random ids.
            return _state.SecretHash == request.SecretHash && _state.AccountId == request.AccountId
                ? Task.FromResult(View(_state))
                : throw new GrainException(ApiKeyErrors.Exists, $"Key id {Id.Key} is taken.");
        }
        _state = new ApiKeyState(request.AccountId, request.SecretHash, request.Name, Time.GetUtcNow(), null, request.Actor);
        Persist();
        return Task.FromResult(View(_state));
    }

    public Task<ApiKeyView> Handle(RevokeApiKey request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        var state = Existing();
        if (state.RevokedAt is null)
        {
            _state = state with { RevokedAt = Time.GetUtcNow(), RevokedBy = request.Actor };
            Persist();
        }
        return Task.FromResult(View(_state!));
    }

    public Task<ApiKeyView> Handle(GetApiKey request) => Task.FromResult(View(Existing()));

    public Task<ApiKeyCheck> Handle(VerifyApiKey request) => Task.FromResult(Check(request.SecretHash));

    public Task<KeyAdmission> Handle(AuthorizeKey request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.Tokens, nameof(request.Tokens));
        Validate.Ttl(request.TtlSeconds);
        var check = Check(request.SecretHash);
        if (!check.Valid)
        {
            var denial = check.Revoked ? new Denial(Denials.KeyRevoked, "The API key has been revoked.") : new Denial(Denials.InvalidApiKey, "The API key is not valid.");
            return Task.FromResult(new KeyAdmission(new Admission(false, denial, []), null));
        }
        return Task.FromResult(new KeyAdmission(Acquire(request.RequestId, request.Tokens, request.TtlSeconds, NowMs), check.AccountId));
    }

    protected override LimitSettings? OwnLimits => Existing().Limits ?? LimitSettings.None;

    protected override bool HoldsNothing => _state is null; // a made-up or mistyped key

    protected override void StoreLimits(LimitSettings limits, string actor)
    {
        _state = Existing() with { Limits = limits };
        Persist();
    }

    private ApiKeyCheck Check(string? secretHash)
    {
        if (_state is null || secretHash is not { Length: 64 }) return new ApiKeyCheck(false, false, null);
        var matches = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(_state.SecretHash), Encoding.ASCII.GetBytes(secretHash));
        return !matches ? new ApiKeyCheck(false, false, null) : new ApiKeyCheck(_state.RevokedAt is null, _state.RevokedAt is not null, _state.AccountId);
    }

    private void Persist() => _ = Write(GrainStateStore.Write(Id, _state!, _version++, ApiKeyStateJson.Default.ApiKeyState));

    private ApiKeyState Existing() => _state ?? throw new GrainException(ApiKeyErrors.NotFound, $"No API key {Id.Key}.");

    private ApiKeyView View(ApiKeyState state) =>
        new(Id.Key, state.AccountId, state.Name, state.RevokedAt is not null, state.CreatedAt, state.RevokedAt, state.Limits ?? LimitSettings.None);
}

internal sealed record ApiKeyState(string AccountId, string SecretHash, string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string Actor)
{
    public string? RevokedBy { get; init; }
    public LimitSettings? Limits { get; init; }
}

[JsonSerializable(typeof(ApiKeyState))]
internal sealed partial class ApiKeyStateJson : JsonSerializerContext;
