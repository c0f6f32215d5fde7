namespace Tollgate.Grains.Models;

/// <summary>A model's prices over time, oldest first. The price of an instant is the last one in effect by then.</summary>
internal sealed class PriceSchedule(List<ModelPrice> prices)
{
    public IReadOnlyList<ModelPrice> Prices => prices;

    public ModelPrice? At(DateTimeOffset instant) => ModelTerms.PriceAt(prices, instant);

    /// <summary>Adds a price; one already scheduled for the same instant is replaced.</summary>
    public void Add(ModelPrice price)
    {
        prices.RemoveAll(p => p.EffectiveAt == price.EffectiveAt);
        var index = prices.FindIndex(p => p.EffectiveAt > price.EffectiveAt);
        prices.Insert(index < 0 ? prices.Count : index, price);
    }
}
