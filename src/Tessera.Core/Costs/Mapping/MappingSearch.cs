using Tessera.Scoring;

namespace Tessera.Costs.Mapping;

/// <summary>The best mapping a search found, with its score and how many mappings it evaluated.</summary>
/// <remarks><see cref="Cuts"/> holds each operand's cut per on-chip level, as <see cref="MappingEvaluator.Cuts"/>.</remarks>
internal sealed record SearchResult(int[] Dims, long[] Factors, int[] Cuts, MappingScore Score, int Evaluated, bool Exhaustive);

/// <summary>
/// Temporal-mapping search over one problem (only allocations when the core pins the ordering): enumerate distinct orderings of the loops' prime factors (merging the
/// smallest factors of the most-split dimension until at most the enumeration limit remain, like LOMA's limit on loop
/// prime factors), allocate each bottom-up, then draw random orderings of the unmerged factors (like Timeloop's random
/// mapper). Deterministic for a seed.
/// </summary>
internal static class MappingSearch
{
    public static SearchResult Run(MappingProblem problem, MappingSearchOptions options, CancellationToken cancellation = default)
    {
        if (problem.Core.Fixed?.Temporal is { } pinned) return PinnedMappingSearch.Run(problem, pinned, options, cancellation);
        var evaluator = new MappingEvaluator(problem);
        if (problem.PinnedLoops() is { } ordering)
        {
            var only = new Best(options.Objective);
            Try(evaluator, [.. ordering.Select(l => l.Dim)], [.. ordering.Select(l => l.Factor)], options, only);
            return new SearchResult(only.Dims, only.Factors, only.Cuts, only.Score, only.Evaluated, true);
        }
        var primes = problem.PrimeLoops();
        var loops = new List<(int Dim, long Factor)>(primes);
        bool merged = false;
        while (DistinctOrderings(loops) > options.EnumerationLimit && MergeSmallest(loops))
            merged = true;

        var best = new Best(options.Objective);
        // Distinct items sorted by a key; next-permutation over the multiset enumerates each distinct ordering once.
        loops.Sort((a, b) => a.Dim != b.Dim ? a.Dim.CompareTo(b.Dim) : a.Factor.CompareTo(b.Factor));
        int n = loops.Count;
        var keys = new int[n];
        var dims = new int[n];
        var factors = new long[n];
        for (int i = 0; i < n; i++) keys[i] = i == 0 || loops[i] != loops[i - 1] ? i : keys[i - 1];
        do
        {
            cancellation.ThrowIfCancellationRequested();
            for (int i = 0; i < n; i++) (dims[i], factors[i]) = loops[keys[i]];
            Try(evaluator, dims, factors, options, best);
        }
        while (NextPermutation(keys));

        if (merged && options.RandomSamples > 0)
        {
            var random = new Random(options.Seed);
            var sample = primes.ToArray();
            var sd = new int[sample.Length];
            var sf = new long[sample.Length];
            for (int s = 0; s < options.RandomSamples; s++)
            {
                if (s % 256 == 0) cancellation.ThrowIfCancellationRequested();
                random.Shuffle(sample);
                for (int i = 0; i < sample.Length; i++) (sd[i], sf[i]) = sample[i];
                Try(evaluator, sd, sf, options, best);
            }
        }
        return new SearchResult(best.Dims, best.Factors, best.Cuts, best.Score, best.Evaluated, !merged);
    }

    internal sealed class Best(Objective objective)
    {
        public int[] Dims = [];
        public long[] Factors = [];
        public int[] Cuts = [];
        public MappingScore Score = new(false, double.PositiveInfinity, double.PositiveInfinity);
        public int Evaluated;

        public void Offer(MappingScore score, ReadOnlySpan<int> dims, ReadOnlySpan<long> factors, int[] cuts)
        {
            Evaluated++;
            if (!score.BetterThan(Score, objective)) return;
            Score = score;
            Dims = dims.ToArray();
            Factors = factors.ToArray();
            Cuts = (int[])cuts.Clone();
        }
    }

    private static void Try(MappingEvaluator evaluator, int[] dims, long[] factors, MappingSearchOptions options, Best best)
    {
        evaluator.SetOrdering(dims, factors);
        if (!options.AllAllocations)
        {
            evaluator.Allocate();
            best.Offer(evaluator.Evaluate(), dims, factors, evaluator.Cuts);
            if (evaluator.Trim())
                best.Offer(evaluator.Evaluate(), dims, factors, evaluator.Cuts);
            return;
        }
        // Every cut vector: each on-chip level keeps any number of the loops.
        var cuts = new int[evaluator.OnChipLevels];
        while (true)
        {
            evaluator.SetLevelCuts(cuts);
            best.Offer(evaluator.Evaluate(), dims, factors, evaluator.Cuts);
            int l = 0;
            while (l < cuts.Length && cuts[l] == dims.Length) cuts[l++] = 0;
            if (l == cuts.Length) break;
            cuts[l]++;
        }
    }

    /// <summary>n! / Π(multiplicity!) orderings of the loops, as a double to survive large n.</summary>
    public static double DistinctOrderings(List<(int Dim, long Factor)> loops)
    {
        double count = 1;
        int k = 0;
        foreach (var group in loops.GroupBy(l => l))
        {
            for (int i = 1; i <= group.Count(); i++)
            {
                k++;
                count *= (double)k / i;
            }
        }
        return count;
    }

    /// <summary>Merges the two smallest factors of the dimension split into the most loops.</summary>
    private static bool MergeSmallest(List<(int Dim, long Factor)> loops)
    {
        var most = loops.GroupBy(l => l.Dim).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First();
        if (most.Count() < 2) return false;
        int dim = most.Key;
        var ofDim = loops.Where(l => l.Dim == dim).OrderBy(l => l.Factor).ToList();
        loops.Remove(ofDim[0]);
        loops.Remove(ofDim[1]);
        loops.Add((dim, ofDim[0].Factor * ofDim[1].Factor));
        return true;
    }

    /// <summary>Lexicographic next permutation (distinct orderings of a multiset); false after the last.</summary>
    private static bool NextPermutation(int[] a)
    {
        int i = a.Length - 2;
        while (i >= 0 && a[i] >= a[i + 1]) i--;
        if (i < 0) return false;
        int j = a.Length - 1;
        while (a[j] <= a[i]) j--;
        (a[i], a[j]) = (a[j], a[i]);
        Array.Reverse(a, i + 1, a.Length - i - 1);
        return true;
    }
}
