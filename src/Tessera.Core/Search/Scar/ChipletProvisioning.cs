using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Search.Scar;

/// <summary>SCAR's provisioning step: how many chiplets each active model of a window gets (each at least one).</summary>
public static class ChipletProvisioning
{
    /// <summary>
    /// Proportional: one chiplet each, the rest by the largest-remainder rule in proportion to the weights (ties: the
    /// earlier model), so the counts always sum to <paramref name="chiplets"/>.
    /// </summary>
    public static ImmutableArray<int> Proportional(IReadOnlyList<double> weights, int chiplets, string where = "")
    {
        ArgumentNullException.ThrowIfNull(weights);
        Check(weights.Count, chiplets, where);
        int spare = chiplets - weights.Count;
        double total = weights.Sum(w => Math.Max(0, w));
        var exact = weights.Select(w => total > 0 ? spare * Math.Max(0, w) / total : spare / (double)weights.Count).ToArray();
        var counts = exact.Select(x => 1 + (int)Math.Floor(x)).ToArray();
        int left = chiplets - counts.Sum();
        foreach (var m in Enumerable.Range(0, weights.Count).OrderByDescending(m => exact[m] - Math.Floor(exact[m])).ThenBy(m => m).Take(left))
            counts[m]++;
        return [.. counts];
    }

    /// <summary>Exhaustive: every way to write <paramref name="chiplets"/> as an ordered sum of <paramref name="models"/> positive counts.</summary>
    public static IEnumerable<ImmutableArray<int>> Exhaustive(int models, int chiplets, string where = "")
    {
        Check(models, chiplets, where);
        return Compositions(models, chiplets);

        static IEnumerable<ImmutableArray<int>> Compositions(int parts, int total)
        {
            if (parts == 1) { yield return [total]; yield break; }
            for (int first = 1; first <= total - parts + 1; first++)
                foreach (var rest in Compositions(parts - 1, total - first))
                    yield return rest.Insert(0, first);
        }
    }

    /// <summary>The number of compositions: C(chiplets − 1, models − 1).</summary>
    public static double CompositionCount(int models, int chiplets)
    {
        double count = 1;
        for (int i = 1; i <= models - 1; i++) count = count * (chiplets - models + i) / i;
        return Math.Round(count);
    }

    private static void Check(int models, int chiplets, string where)
    {
        if (models < 1) throw new TesseraInputException("provisioning needs at least one model");
        if (models > chiplets)
            throw new InfeasibleException($"{where}{models} models are active but the package has {Baselines.Count(chiplets, "chiplet")}; every model needs a chiplet of its own (at most {Baselines.Count(chiplets, "model")}, or more splits so fewer models share a window)");
    }
}
