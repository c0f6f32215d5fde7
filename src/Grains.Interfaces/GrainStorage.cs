namespace Tollgate.Grains;

/// <summary>
/// The Orleans grain storage that keeps API keys, models and caller IP settings: the table <c>orleans_storage</c>,
/// one JSON document per grain (the silo's GrainStateSerializer), under the grain's key with <see cref="KeyPrefix"/>.
/// </summary>
public static class GrainStorage
{
    public const string Name = "tollgate";

    /// <summary>Before every stored key (see the silo's AdoNetStorageAdapter for why).</summary>
    public const string KeyPrefix = "s:";

    /// <summary>The state name of API keys (the <c>state_name</c> column).</summary>
    public const string ApiKeyState = "apikey";

    /// <summary>The state name of models.</summary>
    public const string ModelState = "model";
}
