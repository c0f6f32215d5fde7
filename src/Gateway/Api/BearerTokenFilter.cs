using Tollgate.Telemetry;

namespace Tollgate.Gateway.Api;

/// <summary>
/// Admits a request only with <c>Authorization: Bearer &lt;token&gt;</c> (see <see cref="BearerToken"/>). With no token
/// configured the API it guards refuses everything, saying which setting would open it.
/// </summary>
public sealed class BearerTokenFilter(string? token, string settingName) : IEndpointFilter
{
    private readonly BearerToken _token = new(token);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!_token.IsConfigured)
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", $"This API is disabled: no {settingName} is configured on this gateway.");
        var headers = context.HttpContext.Response.Headers;
        switch (_token.Check(context.HttpContext.Request.Headers.Authorization))
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
