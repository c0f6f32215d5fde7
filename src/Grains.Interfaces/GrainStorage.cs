namespace Tollgate.Grains;

/// <summary>The Orleans grain storage that keeps API keys, models and caller IP settings (see <see cref="GrainStateSerializer"/>).</summary>
public static class GrainStorage
{
    public const string Name = "tollgate";
}
