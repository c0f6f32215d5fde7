using Tollgate.Grains.Metering;

namespace Tollgate.Tests.Metering;

/// <summary>A request's cost from its usage breakdown: every component, the fallbacks, one rounding, and the bounds.</summary>
public sealed class PriceComponentTests
{
    // $3 input, $15 output per 1M tokens; every other kind priced apart, each a distinct figure so a mix-up shows.
    private static readonly Price Full = new(3_000_000_000, 15_000_000_000, new PriceExtras(
        CachedInputPerMillion: 300_000_000, CacheWrite5mPerMillion: 3_750_000_000, CacheWrite1hPerMillion: 6_000_000_000,
        ReasoningPerMillion: 20_000_000_000, AudioInputPerMillion: 40_000_000_000, AudioOutputPerMillion: 80_000_000_000, RequestFee: 7));

    [Theory]
    // input, output, cached, write 5m, write 1h, reasoning, audio in, audio out → cost before the fee, in nano-USD (1,000 tokens at $3 per 1M: 3,000,000)
    [InlineData(1_000, 0, 0, 0, 0, 0, 0, 0, 3_000_000)]
    [InlineData(0, 1_000, 0, 0, 0, 0, 0, 0, 15_000_000)]
    [InlineData(1_000, 0, 1_000, 0, 0, 0, 0, 0, 300_000)]
    [InlineData(1_000, 0, 0, 1_000, 0, 0, 0, 0, 3_750_000)]
    [InlineData(1_000, 0, 0, 0, 1_000, 0, 0, 0, 6_000_000)]
    [InlineData(0, 1_000, 0, 0, 0, 1_000, 0, 0, 20_000_000)]
    [InlineData(1_000, 0, 0, 0, 0, 0, 1_000, 0, 40_000_000)]
    [InlineData(0, 1_000, 0, 0, 0, 0, 0, 1_000, 80_000_000)]
    // A mix: 100 plain input, 900 cached; 50 plain output, 150 reasoning.
    [InlineData(1_000, 200, 900, 0, 0, 150, 0, 0, 100 * 3_000 + 900 * 300 + 50 * 15_000 + 150 * 20_000)]
    public void Each_kind_of_token_costs_its_own_component(long input, long output, long cached, long write5m, long write1h, long reasoning, long audioIn,
        long audioOut, long tokensCost)
    {
        var details = new TokenDetails(cached, write5m, write1h, reasoning, audioIn, audioOut);
        Assert.Equal(tokensCost + 7, Full.Cost(input, output, details));
    }

    [Fact]
    public void A_component_without_its_own_price_falls_back_as_documented()
    {
        var plain = new Price(3_000_000_000, 15_000_000_000);
        var all = new TokenDetails(CachedInput: 100, CacheWrite5m: 200, CacheWrite1h: 300, Reasoning: 400, AudioInput: 50, AudioOutput: 60);
        // Nothing priced apart: every input token costs input, every output token output; no fee.
        Assert.Equal(plain.Cost(1_000, 1_000), plain.Cost(1_000, 1_000, all));
        Assert.Equal((plain.CachedInputPerMillion, plain.CacheWrite5mPerMillion, plain.CacheWrite1hPerMillion, plain.AudioInputPerMillion),
            (plain.InputPerMillion, plain.InputPerMillion, plain.InputPerMillion, plain.InputPerMillion));
        Assert.Equal((plain.ReasoningPerMillion, plain.AudioOutputPerMillion, plain.RequestFee), (plain.OutputPerMillion, plain.OutputPerMillion, 0L));
        // A 1-hour write without its own price costs what a 5-minute one does.
        var fiveMinutes = plain with { Extras = new PriceExtras(CacheWrite5mPerMillion: 3_750_000_000) };
        Assert.Equal(3_750_000_000, fiveMinutes.CacheWrite1hPerMillion);
        Assert.Equal(3_750_000, fiveMinutes.Cost(1_000, 0, new TokenDetails(CacheWrite1h: 1_000)));
    }

    [Fact]
    public void The_cost_is_rounded_up_once_not_per_component()
    {
        // Each part is 0.3 nano-USD: rounded per component it would be 1 + 1 + 1 = 3; once, 0.9 → 1.
        var tiny = new Price(300_000, 300_000, new PriceExtras(CachedInputPerMillion: 300_000, ReasoningPerMillion: 300_000));
        Assert.Equal(1, tiny.Cost(2, 1, new TokenDetails(CachedInput: 1)));
        Assert.Equal(0, tiny.Cost(0, 0));
        Assert.Equal(7, Full.Cost(0, 0)); // the fee alone
    }

    [Fact]
    public void Parts_larger_than_their_totals_and_costs_past_the_maximum_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Full.Cost(100, 0, new TokenDetails(CachedInput: 60, CacheWrite5m: 41)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Full.Cost(0, 100, new TokenDetails(Reasoning: 60, AudioOutput: 41)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Full.Cost(100, 0, new TokenDetails(CachedInput: -1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Full.Cost(Price.MaxTokens + 1, 0));
        // Every component at its highest price, every count at its highest: far past a million USD, refused without overflowing.
        var dearest = new Price(Price.MaxPerMillion, Price.MaxPerMillion, new PriceExtras(Price.MaxPerMillion, Price.MaxPerMillion, Price.MaxPerMillion,
            Price.MaxPerMillion, Price.MaxPerMillion, Price.MaxPerMillion, Price.MaxRequestFee));
        Assert.Throws<ArgumentOutOfRangeException>(() => dearest.Cost(Price.MaxTokens, Price.MaxTokens, new TokenDetails(1, 1, 1, 1, 1, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => dearest.WorstCase(Price.MaxTokens, Price.MaxTokens));
        Assert.Equal(Price.MaxRequestFee + 2 * Price.MaxPerMillion / 1_000_000, dearest.Cost(1, 1));
    }

    [Fact]
    public void A_price_out_of_bounds_is_named()
    {
        Assert.Null(Full.Problem());
        Assert.NotNull(new Price(-1, 0).Problem());
        Assert.NotNull(new Price(0, 0, new PriceExtras(ReasoningPerMillion: Price.MaxPerMillion + 1)).Problem());
        Assert.NotNull(new Price(0, 0, new PriceExtras(RequestFee: Price.MaxRequestFee + 1)).Problem());
    }

    [Fact]
    public void The_worst_case_prices_every_token_at_the_dearest_component_it_could_turn_out_to_be()
    {
        // Audio input ($40) is the dearest kind of input, audio output ($80) of output: the hold prices every token so.
        Assert.Equal(40_000_000 + 80_000_000 + 7, Full.WorstCase(1_000, 1_000));
        foreach (var details in new[] { TokenDetails.None, new TokenDetails(CacheWrite1h: 1_000, Reasoning: 1_000), new TokenDetails(AudioInput: 1_000, AudioOutput: 1_000) })
            Assert.True(Full.Cost(1_000, 1_000, details) <= Full.WorstCase(1_000, 1_000));
        var plain = new Price(3_000_000_000, 15_000_000_000);
        Assert.Equal(plain.Cost(1_000, 1_000), plain.WorstCase(1_000, 1_000));
    }

    /// <summary>The worked examples of docs/pricing.md, recomputed: the doc's figures are these.</summary>
    [Fact]
    public void The_worked_examples_of_the_pricing_doc_cost_what_it_says()
    {
        // 90 % cached input: $2 input, $0.50 cached, $8 output; 10,000 prompt tokens of which 9,000 cached, 400 completion.
        var cachedModel = new Price(2_000_000_000, 8_000_000_000, new PriceExtras(CachedInputPerMillion: 500_000_000));
        Assert.Equal(9_700_000, cachedModel.Cost(10_000, 400, new TokenDetails(CachedInput: 9_000)));
        Assert.Equal(23_200_000, cachedModel.Cost(10_000, 400)); // the same tokens, had nothing been cached

        // A 1-hour cache write, then a read of it: $3 input, $0.30 read, $3.75 / $6 writes, $15 output. Anthropic reports
        // input_tokens 40 beside the cache's 12,000: Tollgate's input total is 12,040.
        var claude = new Price(3_000_000_000, 15_000_000_000, new PriceExtras(CachedInputPerMillion: 300_000_000, CacheWrite5mPerMillion: 3_750_000_000,
            CacheWrite1hPerMillion: 6_000_000_000));
        Assert.Equal(76_620_000, claude.Cost(12_040, 300, new TokenDetails(CacheWrite1h: 12_000)));
        Assert.Equal(8_220_000, claude.Cost(12_040, 300, new TokenDetails(CachedInput: 12_000)));

        // A reasoning model whose reasoning is billed as output (no reasoning price): 500 prompt, 3,000 completion of which 2,600 reasoning; then with a fee of $0.001.
        var reasoner = new Price(2_000_000_000, 8_000_000_000);
        Assert.Equal(25_000_000, reasoner.Cost(500, 3_000, new TokenDetails(Reasoning: 2_600)));
        Assert.Equal(26_000_000, (reasoner with { Extras = new PriceExtras(RequestFee: 1_000_000) }).Cost(500, 3_000, new TokenDetails(Reasoning: 2_600)));
    }
}
