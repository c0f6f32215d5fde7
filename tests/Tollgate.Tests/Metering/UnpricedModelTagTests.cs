using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Gateway.Metering;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Metering;

/// <summary>Counts what the gateway's process-wide meter records, so it runs alone (see <see cref="Serial"/>).</summary>
[Collection(Serial.Name)]
public sealed class UnpricedModelTagTests
{
    [Fact]
    public void Made_up_model_names_cannot_grow_the_metric_without_bound()
    {
        using var counted = new UnpricedModelCounter();
        var unpriced = new UnpricedModels(NullLogger<UnpricedModels>.Instance, TimeProvider.System);
        const string prefix = "tag-flood-";
        for (var i = 0; i < UnpricedModels.MaxTaggedModels + 50; i++) unpriced.Record($"{prefix}{i}", charged: false);
        unpriced.Record($"{prefix}0", charged: false); // a name seen before keeps its own tag

        Assert.Equal(UnpricedModels.MaxTaggedModels, counted.Models().Where(m => m?.StartsWith(prefix, StringComparison.Ordinal) == true).Distinct().Count());
        Assert.Equal(2, counted.Count($"{prefix}0"));
        Assert.Equal(50, counted.Count(UnpricedModels.OtherModels));
    }
}
