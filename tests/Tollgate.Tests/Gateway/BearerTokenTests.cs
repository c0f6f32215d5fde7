using Tollgate.Telemetry;
using static Tollgate.Telemetry.BearerToken.Presented;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// The one check behind every token a caller presents (admin, metering service, metrics, the console's sign-in): what an
/// <c>Authorization</c> header presents, whatever its scheme's case, spaces, length or characters. The APIs' answers to
/// each outcome are tested where they are served (<c>AdminApiTests</c>, <c>MetricsTests</c>, the Envoy tests).
/// </summary>
public sealed class BearerTokenTests
{
    private const string Secret = "s3cret-token";

    [Theory]
    [InlineData("Bearer s3cret-token", Token)]
    [InlineData("bearer s3cret-token", Token)]
    [InlineData("BEARER   s3cret-token  ", Token)]
    [InlineData("Bearer s3cret-tokeN", Wrong)]
    [InlineData("Bearer s3cret-token2", Wrong)]
    [InlineData("Bearer ", Wrong)]
    [InlineData("Bearer", Nothing)]
    [InlineData("Bearers3cret-token", Nothing)]
    [InlineData("Basic czNjcmV0LXRva2Vu", Nothing)]
    [InlineData("s3cret-token", Nothing)]
    [InlineData("", Nothing)]
    [InlineData(null, Nothing)]
    public void A_header_presents_the_token_another_one_or_none(string? authorization, BearerToken.Presented expected) =>
        Assert.Equal(expected, new BearerToken(Secret).Check(authorization));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void With_no_token_configured_nothing_matches(string? configured)
    {
        var token = new BearerToken(configured);
        Assert.False(token.IsConfigured);
        Assert.Equal(Wrong, token.Check("Bearer "));
        Assert.Equal(Wrong, token.Check("Bearer anything"));
        Assert.False(token.Matches(""));
    }

    [Fact]
    public void A_long_token_of_any_characters_matches_only_itself()
    {
        // Longer than the check's stack buffer once encoded, so it takes the rented one.
        var secret = string.Concat(Enumerable.Repeat("é€𝄞-", 300));
        var token = new BearerToken(secret);
        Assert.True(token.Matches(secret));
        Assert.Equal(Token, token.Check($"Bearer {secret}"));
        Assert.False(token.Matches(secret[..^1] + "+"));
        Assert.False(token.Matches(secret.AsSpan(..^1)));
        Assert.False(token.Matches(Secret));
    }
}
