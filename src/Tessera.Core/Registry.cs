using System.Collections.Immutable;
using System.Reflection;
using Tessera.Diagnostics;

namespace Tessera;

/// <summary>
/// Extension points found by reflection: every public non-abstract implementation of an interface in this assembly
/// with a public parameterless constructor, one instance each, in name order. Adding a scheduler, cost model,
/// experiment or study is adding one class.
/// </summary>
public static class Registry
{
    public static ImmutableArray<T> Discover<T>(Func<T, string> name) where T : class
    {
        ArgumentNullException.ThrowIfNull(name);
        return [.. typeof(T).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false, IsPublic: true } && typeof(T).IsAssignableFrom(t)
                && t.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not null)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .OrderBy(name, StringComparer.Ordinal)];
    }

    /// <summary>The item with this name (case-insensitive); an input error with a did-you-mean and every known name otherwise.</summary>
    public static T Find<T>(IReadOnlyCollection<T> items, string name, Func<T, string> nameOf, string what, string? where = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(nameOf);
        var key = name.Trim();
        var names = items.Select(nameOf).ToList();
        return items.FirstOrDefault(i => string.Equals(nameOf(i), key, StringComparison.OrdinalIgnoreCase))
            ?? throw TesseraInputException.At(where, $"unknown {what} '{key}'{Suggestions.DidYouMean(key, names)}; expected one of {string.Join(", ", names)}");
    }
}
