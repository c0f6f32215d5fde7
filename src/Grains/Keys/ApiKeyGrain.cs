using Orleans.Runtime;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Grains.Keys;

/// <summary>
/// One API key: which account it belongs to, the hash of its secret, whether it is revoked, and
/// its rate limits and the models it may use. Revocation and model access take effect at once on every gateway: they all ask this one activation.
/// </summary>
[GrainType("apikey")]
internal sealed class ApiKeyGrain(
    [PersistentState(GrainStorage.ApiKeyState, GrainStorage.Name)] IPersistentState<ApiKeyState> state,
    [FromKeyedServices(TollgateClock.Key)] TimeProvider time) : LimitedGrain("key", time), IApiKeyGrain
{
    private ApiKeyState? Stored => state.RecordExists ? state.State : null;

    protected override Task LoadAsync(CancellationToken cancellationToken)
    {
        Limits.Configure(Stored?.Limits ?? LimitSettings.None);
        return Task.CompletedTask;
    }

    public async Task<ApiKeyView> Create(CreateApiKey request)
    {
        Validate.Key(request.AccountId, nameof(request.AccountId));
        Validate.Text(request.Name, nameof(request.Name), 200);
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.SecretHash is not { Length: 64 }) throw new TollgateException(Accounts.AccountErrors.InvalidArgument, "SecretHash must be a hex SHA-256.");
        if (Stored is { } existing)
        {
            // A retry of the same creation is answered again; anything else is a clash of random ids.
            return existing.SecretHash == request.SecretHash && existing.AccountId == request.AccountId
                ? View(existing)
                : throw new TollgateException(ApiKeyErrors.Exists, $"Key id {this.GetPrimaryKeyString()} is taken.");
        }
        state.State = new ApiKeyState
        {
            AccountId = request.AccountId,
            SecretHash = request.SecretHash,
            Name = request.Name,
            CreatedAt = Time.GetUtcNow(),
            Actor = request.Actor,
        };
        await WriteAsync(state);
        return View(state.State);
    }

    public async Task<ApiKeyView> Revoke(RevokeApiKey request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        var key = Existing();
        if (key.RevokedAt is null)
        {
            key.RevokedAt = Time.GetUtcNow();
            key.RevokedBy = request.Actor;
            await WriteAsync(state);
        }
        return View(key);
    }

    public Task<ApiKeyView> Get() => Task.FromResult(View(Existing()));

    public Task<ApiKeyCheck> Verify(VerifyApiKey request) => Task.FromResult(Check(request.SecretHash));

    public Task<KeyModelsView> GetModels() => Task.FromResult(ModelsView(Existing()));

    public async Task<KeyModelsView> SetModels(SetKeyModels request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (ModelAccess.Problem(request.Models) is { } problem) throw new TollgateException(ApiKeyErrors.InvalidModelPattern, problem);
        var key = Existing();
        key.Models = request.Models is null ? null : [.. request.Models.Distinct(StringComparer.Ordinal)];
        key.ModelsSetBy = request.Actor;
        key.ModelsSetAt = Time.GetUtcNow();
        await WriteAsync(state);
        return ModelsView(key);
    }

    public Task<KeyAdmission> Authorize(AuthorizeKey request) => Task.FromResult(Admit(request));

    private KeyAdmission Admit(AuthorizeKey request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.Tokens, nameof(request.Tokens));
        Validate.Ttl(request.TtlSeconds);
        if (request.Model is not null) Validate.Key(request.Model, nameof(request.Model));
        var check = Check(request.SecretHash);
        if (!check.Valid)
        {
            var denial = check.Revoked ? new Denial(Denials.KeyRevoked, "The API key has been revoked.") : new Denial(Denials.InvalidApiKey, "The API key is not valid.");
            return new KeyAdmission(new Admission(false, denial, []), null);
        }
        if (request.Model is { } model && !ModelAccess.Allows(check.Models, model))
        {
            // Refused before Acquire: a request the key may not make takes none of its limits.
            return new KeyAdmission(new Admission(false, new Denial(Denials.ModelNotAllowed, $"This API key may not use the model '{model}'."), []), check.AccountId);
        }
        return new KeyAdmission(Answered(Acquire(request.RequestId, request.Tokens, request.TtlSeconds, NowMs)), check.AccountId);
    }

    /// <summary>Verifies the presented secret and the key's models (as <see cref="Authorize"/> does), then counts the hit.</summary>
    public override Task<HitResult> Hit(LimitHit hit) => Task.FromResult(CountVerified(hit));

    private HitResult CountVerified(LimitHit hit)
    {
        ValidateHit(hit);
        var check = Check(hit.SecretHash);
        if (!check.Valid)
            return check.Revoked ? Refused(Denials.KeyRevoked, "The API key has been revoked.") : Refused(Denials.InvalidApiKey, "The API key is not valid.");
        if (hit.Model is { } model && !ModelAccess.Allows(check.Models, model))
            return Refused(Denials.ModelNotAllowed, $"This API key may not use the model '{model}'.", check.AccountId);
        var result = CountHit(hit);
        return result with { Admission = Answered(result.Admission), AccountId = check.AccountId };
    }

    protected override LimitSettings? OwnLimits => Existing().Limits ?? LimitSettings.None;

    protected override bool HoldsNothing => Stored is null; // a made-up or mistyped key

    protected override Task StoreLimitsAsync(LimitSettings limits, string actor)
    {
        Existing().Limits = limits;
        return WriteAsync(state);
    }

    private ApiKeyCheck Check(string? secretHash)
    {
        if (Stored is not { } key || secretHash is not { Length: 64 }) return new ApiKeyCheck(false, false, null);
        var matches = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(key.SecretHash), Encoding.ASCII.GetBytes(secretHash));
        return !matches ? new ApiKeyCheck(false, false, null) : new ApiKeyCheck(key.RevokedAt is null, key.RevokedAt is not null, key.AccountId, key.Models);
    }

    private ApiKeyState Existing() => Stored ?? throw new TollgateException(ApiKeyErrors.NotFound, $"No API key {this.GetPrimaryKeyString()}.");

    private ApiKeyView View(ApiKeyState key) =>
        new(this.GetPrimaryKeyString(), key.AccountId, key.Name, key.RevokedAt is not null, key.CreatedAt, key.RevokedAt, key.Limits ?? LimitSettings.None, key.Models);

    private KeyModelsView ModelsView(ApiKeyState key) => new(this.GetPrimaryKeyString(), key.Models, key.ModelsSetBy, key.ModelsSetAt);
}

/// <summary>An API key as stored (JSON, see <see cref="GrainStateSerializer"/>): property names are the stored format.</summary>
internal sealed class ApiKeyState
{
    public string AccountId { get; set; } = "";
    public string SecretHash { get; set; } = "";
    public string Name { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string Actor { get; set; } = "";
    public string? RevokedBy { get; set; }
    public LimitSettings? Limits { get; set; }

    /// <summary>The models the key may use (<see cref="ModelAccess"/>); null, as in keys stored before it existed: every model.</summary>
    public List<string>? Models { get; set; }

    public string? ModelsSetBy { get; set; }
    public DateTimeOffset? ModelsSetAt { get; set; }
}
