using System.Collections.Immutable;

namespace Tessera.Costs;

/// <summary>
/// The operator cost models by name: every public non-abstract <see cref="IOperatorCostModel"/> of this assembly with
/// a public parameterless constructor. A new model is one class; this registry finds it.
/// </summary>
public static class CostModels
{
    /// <summary>The name of the model used when none is chosen.</summary>
    public const string Default = "loopnest";

    private static readonly ImmutableArray<IOperatorCostModel> Prototypes = Registry.Discover<IOperatorCostModel>(m => m.Name);

    public static ImmutableArray<string> Names { get; } = [.. Prototypes.Select(m => m.Name)];

    /// <summary>A new model of this name (each instance has its own memo); an input error naming the known models otherwise.</summary>
    public static IOperatorCostModel Create(string name) =>
        (IOperatorCostModel)Activator.CreateInstance(Registry.Find(Prototypes, name, m => m.Name, "cost model").GetType())!;
}
