using System.Text;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Api;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// What a body remembers of the fields its endpoint asked for, so that only those are allowed, however many more than its
/// first pooled list holds. The endpoints' own refusals are in <c>BadInputTests</c>.
/// </summary>
public sealed class JsonBodyTests
{
    [Fact]
    public async Task Every_field_asked_for_is_known_however_many_and_any_other_is_refused()
    {
        var fields = Enumerable.Range(0, 40).Select(i => $"f{i}").ToArray();
        using var body = await ReadAsync("{" + string.Join(",", fields.Select(name => $"\"{name}\":\"{name}\"")) + ",\"extra\":1}");
        foreach (var name in fields) Assert.Equal(name, body.OptionalString(name, 10));
        var refused = Assert.Throws<ApiException>(body.RejectUnknownFields);
        Assert.Equal("unknown_field", refused.Code);
        Assert.Contains("'extra'", refused.Message);
        Assert.Null(body.OptionalString("extra_missing", 10));
        Assert.Equal(1, body.OptionalCount("extra", 10));
        body.RejectUnknownFields(); // every field now asked for
    }

    private static async Task<JsonBody> ReadAsync(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var http = new DefaultHttpContext();
        http.Request.Body = new MemoryStream(bytes);
        http.Request.ContentLength = bytes.Length;
        return await JsonBody.ReadAsync(http.Request);
    }
}
