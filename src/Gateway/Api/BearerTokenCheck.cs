using Tollgate.Gateway.Metering;
using Tollgate.Telemetry;

namespace Tollgate.Gateway.Api;

/// <summary>
/// Admits a request to an endpoint <see cref="ApiDocs.Secured{TBuilder}">secured</see> by the admin or the service token only with
/// <c>Authorization: Bearer &lt;token&gt;</c> (see <see cref="BearerToken"/>), so the metadata that documents an endpoint's scheme
/// is also what enforces it. It runs after routing and before the endpoint binds its body: a caller without the token learns
/// nothing about a body, and the gateway reads none of it. With no token configured the API it guards refuses everything,
/// saying which setting would open it. The proxy's scheme, a caller's API key, is checked by the proxy itself.
/// </summary>
public sealed class BearerTokenCheck(RequestDelegate next, IConfiguration configuration, MeteringOptions metering)
{
    private readonly (BearerToken Token, string Setting) _admin = (new BearerToken(configuration["Admin:Token"]), "Admin:Token");
    private readonly (BearerToken Token, string Setting) _service = (new BearerToken(metering.ServiceToken), "Metering:ServiceToken");

    public Task InvokeAsync(HttpContext context)
    {
        var (token, setting) = context.GetEndpoint()?.Metadata.GetMetadata<ApiDocs.SecuredBy>()?.Scheme switch
        {
            ApiDocs.AdminToken => _admin,
            ApiDocs.ServiceToken => _service,
            _ => default,
        };
        if (token is null) return next(context);
        if (!token.IsConfigured)
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", $"This API is disabled: no {setting} is configured on this gateway.");
        var headers = context.Response.Headers;
        switch (token.Check(context.Request.Headers.Authorization))
        {
            case BearerToken.Presented.Token:
                return next(context);
            case BearerToken.Presented.Nothing:
                headers.WWWAuthenticate = "Bearer";
                throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "A bearer token is required.");
            default:
                headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "The bearer token is not valid.");
        }
    }
}
