using System.Collections.Immutable;
using System.Reflection;
using Tessera.Diagnostics;

namespace Tessera.Costs;

/// <summary>
/// The operator cost models by name: every public non-abstract <see cref="IOperatorCostModel"/> of this assembly with
/// a public parameterless constructor. A new model is one class; this registry finds it.
/// </summary>
public static class CostModels
{
    /// <summary>The name of the model used when none is chosen.</summary>
    public const string Default = "loopnest";

    private static readonly ImmutableSortedDictionary<string, Type> ByName = typeof(IOperatorCostModel).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsInterface: false, IsPublic: true } && typeof(IOperatorCostModel).IsAssignableFrom(t)
            && t.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not null)
        .ToImmutableSortedDictionary(t => ((IOperatorCostModel)Activator.CreateInstance(t)!).Name, t => t, StringComparer.Ordinal);

    public static ImmutableArray<string> Names { get; } = [.. ByName.Keys];

    /// <summary>A new model of this name (each instance has its own memo); an input error naming the known models otherwise.</summary>
    public static IOperatorCostModel Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.TryGetValue(name.Trim().ToLowerInvariant(), out var type) ? (IOperatorCostModel)Activator.CreateInstance(type)!
            : throw new TesseraInputException($"cost model '{name}'{Suggestions.DidYouMean(name, Names)}; expected one of {string.Join(", ", Names)}");
    }
}
