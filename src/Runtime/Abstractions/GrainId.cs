namespace Tollgate.Runtime;

/// <summary>Identity of a virtual grain: its type name and its key, e.g. ("account", "acme").</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";
}
