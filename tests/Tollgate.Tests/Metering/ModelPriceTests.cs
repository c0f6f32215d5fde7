using System.Net;
using System.Text.Json;
using Tollgate.Grains.Models;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Metering;

public sealed class PriceScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_price_of_an_instant_is_the_last_one_in_effect_by_then()
    {
        var schedule = new PriceSchedule([]);
        schedule.Add(new ModelPrice(30, 60, T0.AddDays(2), "ops"));
        schedule.Add(new ModelPrice(10, 20, T0, "ops"));
        Assert.Null(schedule.At(T0.AddTicks(-1)));
        Assert.Equal(10, schedule.At(T0)!.InputPerMillion);
        Assert.Equal(10, schedule.At(T0.AddDays(2).AddTicks(-1))!.InputPerMillion);
        Assert.Equal(30, schedule.At(T0.AddDays(3))!.InputPerMillion);
        schedule.Add(new ModelPrice(31, 61, T0.AddDays(2), "ops")); // the same instant again replaces
        Assert.Equal(2, schedule.Prices.Count);
        Assert.Equal(31, schedule.At(T0.AddDays(2))!.InputPerMillion);
    }
}

/// <summary>Model prices through the admin API. The cases share one cluster, each with models of its own (restarting its silo is theirs to do).</summary>
public sealed class ModelPriceTests(SharedCluster shared) : IClassFixture<SharedCluster>
{
    [Fact]
    public async Task Prices_are_scheduled_through_the_admin_api_and_survive_a_silo_restart()
    {
        var cluster = shared.Cluster;
        const string path = "/admin/models/openai%2Fgpt-4o-mini";

        var unpriced = await ReadAsync(await cluster.Admin.GetAsync(path));
        Assert.Equal(JsonValueKind.Null, unpriced.GetProperty("current").ValueKind);

        await ReadAsync(await cluster.Admin.PostAsync($"{path}/prices", Json("""{"input_per_million":150000000,"output_per_million":600000000,"actor":"ops"}""")));
        var later = DateTimeOffset.UtcNow.AddHours(1).ToString("O");
        var scheduled = await ReadAsync(await cluster.Admin.PostAsync($"{path}/prices", Json($$"""{"input_per_million":100000000,"output_per_million":400000000,"effective_at":"{{later}}"}""")));
        Assert.Equal(150_000_000, scheduled.GetProperty("current").GetProperty("input_per_million").GetInt64());
        Assert.Equal(2, scheduled.GetProperty("prices").GetArrayLength());
        Assert.Equal("openai/gpt-4o-mini", scheduled.GetProperty("model").GetString());

        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        var reloaded = await ReadAsync(await cluster.Admin.GetAsync(path));
        Assert.Equal(scheduled.GetProperty("prices").GetRawText(), reloaded.GetProperty("prices").GetRawText());
    }

    [Fact]
    public async Task Models_whose_names_read_as_the_same_number_keep_their_own_prices()
    {
        // Orleans' ADO.NET storage would take these for the numbers or the GUID they spell, and give each group one row.
        string[] models = ["ada", "ADA", "0ada", "6f9619ff8b86d011b42d00c04fc964ff", "6F9619FF8B86D011B42D00C04FC964FF", "1+2"];
        var cluster = shared.Cluster;
        for (var i = 0; i < models.Length; i++)
            await ReadAsync(await cluster.Admin.PostAsync($"/admin/models/{Uri.EscapeDataString(models[i])}/prices", Json($$"""{"input_per_million":{{i + 1}},"output_per_million":1}""")));

        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        for (var i = 0; i < models.Length; i++)
        {
            var model = await ReadAsync(await cluster.Admin.GetAsync($"/admin/models/{Uri.EscapeDataString(models[i])}"));
            Assert.Equal(1, model.GetProperty("prices").GetArrayLength());
            Assert.Equal(i + 1, model.GetProperty("current").GetProperty("input_per_million").GetInt64());
        }
    }

    [Theory]
    [InlineData("""{"input_per_million":1,"output_per_million":1,"effective_at":"2020-01-01T00:00:00Z"}""", "effective_in_past")]
    [InlineData("""{"input_per_million":1,"output_per_million":1,"effective_at":"yesterday"}""", "invalid_field")]
    [InlineData("""{"input_per_million":-1,"output_per_million":1}""", "invalid_amount")]
    [InlineData("""{"input_per_million":10000000000001,"output_per_million":1}""", "amount_out_of_range")]
    [InlineData("""{"output_per_million":1}""", "missing_field")]
    public async Task Bad_prices_are_refused_with_a_clear_code(string body, string code)
    {
        var cluster = shared.Cluster;
        using var response = await cluster.Admin.PostAsync("/admin/models/m1/prices", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
