namespace Tollgate.Bench.Load;

/// <summary>Which account each request goes to: one hot account, uniform over many, or skewed (Zipf).</summary>
public abstract class KeyDistribution(string name, int keys)
{
    public string Name { get; } = name;
    public int Keys { get; } = keys;

    public abstract int Next(Random random);

    public static KeyDistribution Hot() => new Fixed();

    public static KeyDistribution Uniform(int keys) => new Flat(keys);

    /// <summary>Zipf with exponent <paramref name="s"/>: the k-th most popular key is drawn ∝ 1/k^s.</summary>
    public static KeyDistribution Zipf(int keys, double s) => new Skewed(keys, s);

    private sealed class Fixed() : KeyDistribution("hot", 1)
    {
        public override int Next(Random random) => 0;
    }

    private sealed class Flat(int keys) : KeyDistribution($"uniform-{keys}", keys)
    {
        public override int Next(Random random) => random.Next(Keys);
    }

    private sealed class Skewed : KeyDistribution
    {
        private readonly double[] _cumulative;

        public Skewed(int keys, double s) : base($"zipf-{s:0.0#}-{keys}", keys)
        {
            _cumulative = new double[keys];
            double sum = 0;
            for (var k = 0; k < keys; k++) _cumulative[k] = sum += 1 / Math.Pow(k + 1, s);
            for (var k = 0; k < keys; k++) _cumulative[k] /= sum;
        }

        public override int Next(Random random)
        {
            var index = Array.BinarySearch(_cumulative, random.NextDouble());
            return Math.Min(index < 0 ? ~index : index, Keys - 1);
        }
    }
}
