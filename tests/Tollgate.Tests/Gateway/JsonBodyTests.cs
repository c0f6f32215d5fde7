using System.Text;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Api;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// What binding a body remembers of the fields its type read, so that only those are allowed, however many more than its
/// first pooled list holds; and what an optional body binds to. The endpoints' own refusals are in <c>BadInputTests</c>.
/// </summary>
public sealed class JsonBodyTests
{
    private static readonly string[] Fields = [.. Enumerable.Range(0, 40).Select(i => $"f{i}")];
    private static readonly string Json = "{" + string.Join(",", Fields.Select(name => $"\"{name}\":\"{name}\"")) + ",\"extra\":1}";

    [Fact]
    public async Task Every_field_read_is_known_however_many_and_any_other_is_refused()
    {
        var refused = await Assert.ThrowsAsync<ApiException>(async () => await JsonBody.BindAsync(Request(Json), ReadFields));
        Assert.Equal("unknown_field", refused.Code);
        Assert.Contains("'extra'", refused.Message);

        var read = await JsonBody.BindAsync(Request(Json), body => ReadFields(body).Append($"{body.OptionalCount("extra", 10)}").ToList());
        Assert.Equal([.. Fields, "1"], read);
    }

    [Fact]
    public async Task An_optional_body_left_out_binds_to_its_absent_value_and_a_broken_one_is_refused()
    {
        List<string> absent = ["absent"];
        Assert.Same(absent, await JsonBody.BindOptionalAsync(Request(""), ReadFields, absent));
        var broken = await Assert.ThrowsAsync<ApiException>(async () => await JsonBody.BindOptionalAsync(Request("{"), ReadFields, absent));
        Assert.Equal("malformed_json", broken.Code);
    }

    private static List<string> ReadFields(JsonBody body) => [.. Fields.Select(name => body.OptionalString(name, 10)!)];

    private static DefaultHttpContext Request(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var http = new DefaultHttpContext();
        http.Request.Body = new MemoryStream(bytes);
        http.Request.ContentLength = bytes.Length;
        return http;
    }
}
