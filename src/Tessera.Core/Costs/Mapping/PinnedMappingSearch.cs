using Tessera.Diagnostics;
using Tessera.Hardware;

namespace Tessera.Costs.Mapping;

/// <summary>
/// The mapping search restricted to a core's pinned temporal mapping (<see cref="PinnedMapping"/>, Timeloop-style mapping
/// constraints): each listed level keeps its loops in the given order with the given factors, the off-chip level the
/// rest; only <see cref="PinnedFactor.Searched"/> factors vary (every divisor of what is left, largest first, up to the
/// enumeration limit). A fully pinned mapping is one candidate: a fixed-function accelerator's. A pinned OY loop pins a
/// matrix product's rows D when the mapping does not pin D itself; other loops of dimensions the nest lacks (a filter loop
/// on a matrix product) are dropped.
/// </summary>
internal static class PinnedMappingSearch
{
    public static SearchResult Run(MappingProblem problem, PinnedMapping pinned, MappingSearchOptions options, CancellationToken cancellation)
    {
        var loops = Resolve(problem, pinned, out var offChipOrder);
        var evaluator = new MappingEvaluator(problem);
        var best = new MappingSearch.Best(options.Objective);
        var remaining = (long[])problem.Temporal.Clone();
        var factors = new long[loops.Count];
        bool truncated = false;

        void Enumerate(int i)
        {
            if (truncated) return;
            if (i == loops.Count)
            {
                if (best.Evaluated >= options.EnumerationLimit) { truncated = true; return; }
                if (best.Evaluated % 256 == 0) cancellation.ThrowIfCancellationRequested();
                Offer(problem, evaluator, best, loops, factors, remaining, offChipOrder);
                return;
            }
            var (_, dim, kind, factor) = loops[i];
            long left = remaining[dim];
            IEnumerable<long> choices = kind switch
            {
                PinnedFactor.All => [left],
                PinnedFactor.Exact => [LargestDivisorAtMost(left, factor)],
                _ => Divisors(left),
            };
            foreach (var f in choices)
            {
                factors[i] = f;
                remaining[dim] = left / f;
                Enumerate(i + 1);
                remaining[dim] = left;
            }
        }

        Enumerate(0);
        return new SearchResult(best.Dims, best.Factors, best.Cuts, best.Score, best.Evaluated, !truncated);
    }

    /// <summary>Builds one candidate: level by level from the innermost, each level's loops innermost first; then off-chip.</summary>
    private static void Offer(MappingProblem problem, MappingEvaluator evaluator, MappingSearch.Best best,
        List<(int Level, int Dim, PinnedFactor Kind, long Factor)> loops, long[] factors, long[] remaining, List<int> offChipOrder)
    {
        var dims = new List<int>();
        var values = new List<long>();
        var cuts = new int[problem.OffChip];
        for (int level = 0; level < problem.OffChip; level++)
        {
            for (int i = loops.Count - 1; i >= 0; i--)
                if (loops[i].Level == level && factors[i] > 1) { dims.Add(loops[i].Dim); values.Add(factors[i]); }
            cuts[level] = dims.Count;
        }
        for (int i = offChipOrder.Count - 1; i >= 0; i--)
            if (remaining[offChipOrder[i]] > 1) { dims.Add(offChipOrder[i]); values.Add(remaining[offChipOrder[i]]); }
        evaluator.SetOrdering(dims.ToArray(), values.ToArray());
        evaluator.SetLevelCuts(cuts);
        best.Offer(evaluator.Evaluate(), dims.ToArray(), values.ToArray(), evaluator.Cuts);
    }

    /// <summary>
    /// The on-chip pinned loops (level index, dimension index, kind, factor) innermost level first, and the off-chip order
    /// outermost first: the dimensions its entry does not list in the nest's order, then those it lists.
    /// </summary>
    private static List<(int Level, int Dim, PinnedFactor Kind, long Factor)> Resolve(MappingProblem problem, PinnedMapping pinned,
        out List<int> offChipOrder)
    {
        var names = problem.Levels.Take(problem.OffChip).Select(l => l.Name).ToList();
        var loops = new List<(int, int, PinnedFactor, long)>();
        var offChipListed = new List<int>();
        int previous = -1;
        bool rowsPinned = pinned.Levels.Any(l => l.Loops.Any(loop => loop.Dimension == "D"));
        foreach (var entry in pinned.Levels)
        {
            int level = entry.Level == PinnedLevel.OffChip ? problem.OffChip : names.IndexOf(entry.Level);
            if (level < 0)
                throw new TesseraInputException($"core '{problem.Core.Name}': the pinned mapping names level '{entry.Level}'{Suggestions.DidYouMean(entry.Level, names)}; expected one of {string.Join(", ", names)} or {PinnedLevel.OffChip}");
            if (level <= previous)
                throw new TesseraInputException($"core '{problem.Core.Name}': pinned level '{entry.Level}' comes after a level above it; expected levels innermost first");
            previous = level;
            foreach (var loop in entry.Loops)
            {
                int dim = Array.IndexOf(problem.DimNames, loop.Dimension);
                // A matrix product's rows take the place of the output rows (MAESTRO reads it as a 1×1 convolution).
                if (dim < 0 && loop.Dimension == "OY" && !rowsPinned) dim = Array.IndexOf(problem.DimNames, "D");
                if (dim < 0) continue;
                if (level == problem.OffChip) offChipListed.Add(dim);
                else loops.Add((level, dim, loop.Kind, loop.Factor));
            }
        }
        offChipOrder = [.. Enumerable.Range(0, problem.Dims).Where(d => !offChipListed.Contains(d)), .. offChipListed];
        return loops;
    }

    private static long LargestDivisorAtMost(long n, long cap)
    {
        for (long f = Math.Min(n, cap); f > 1; f--)
            if (n % f == 0) return f;
        return 1;
    }

    private static List<long> Divisors(long n)
    {
        var small = new List<long>();
        var large = new List<long>();
        for (long f = 1; f * f <= n; f++)
        {
            if (n % f != 0) continue;
            small.Add(f);
            if (f != n / f) large.Add(n / f);
        }
        large.Reverse();
        var all = small.Concat(large).ToList();
        all.Reverse();
        return all;
    }
}
