using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Grains.Models;

/// <summary>
/// What an authorize takes from a model before its limits: the route (where one is required) and the price in force.
/// Decided alike by the model's grain and by a gateway's copy of a model without limits, which admits without a call.
/// </summary>
public static class ModelTerms
{
    /// <summary>The price of <paramref name="schedule"/> (oldest first) in force at <paramref name="instant"/>: the last one in effect by then.</summary>
    public static ModelPrice? PriceAt(IReadOnlyList<ModelPrice> schedule, DateTimeOffset instant)
    {
        ModelPrice? found = null;
        foreach (var price in schedule)
        {
            if (price.EffectiveAt > instant) break;
            found = price;
        }
        return found;
    }

    /// <summary>The model's answer if its route or price denies the request, else null (its limits decide).</summary>
    public static ModelAdmission? Refusal(string model, bool configured, ModelRoute? route, ModelPrice? current, AuthorizeModel request)
    {
        if (request.RequireRoute && route is null)
        {
            var unrouted = new Denial(Denials.ModelNotRouted, $"The model '{model}' does not exist or you do not have access to it.");
            return new ModelAdmission(new Admission(false, unrouted, []), null, Unpriced: false, Known: configured);
        }
        if (current is null && request.DefaultPrice is null)
        {
            var unpriced = new Denial(Denials.ModelUnknown, $"Model '{model}' has no price; set one with POST /admin/models/{{model}}/prices.");
            return new ModelAdmission(new Admission(false, unpriced, []), null, Unpriced: true, Known: configured);
        }
        return null;
    }

    /// <summary>A gateway's admission by a model without limits, from its <paramref name="snapshot"/>: nothing is held.</summary>
    public static ModelAdmission AdmitWithoutLimits(ModelSnapshot snapshot, AuthorizeModel request, DateTimeOffset now)
    {
        if (snapshot.Limits != LimitSettings.None) throw new InvalidOperationException($"The model '{snapshot.Model}' has limits: only its grain admits.");
        var current = PriceAt(snapshot.Prices, now);
        return Refusal(snapshot.Model, snapshot.Configured, snapshot.Route, current, request)
            ?? new ModelAdmission(new Admission(true, null, []), current?.Price ?? request.DefaultPrice, Unpriced: current is null, snapshot.Route, snapshot.Configured);
    }
}
