using System.Collections.Immutable;

namespace Tessera.Search.Scar;

/// <summary>
/// Contiguous split points of one model's layers in a window: <see cref="Cuts"/> holds segment boundaries (absolute
/// layer indices of the table's view, first and end included), <see cref="Designs"/> the design each segment prefers, and the
/// table's estimate of the model alone.
/// </summary>
public sealed record SegmentationCandidate(ImmutableArray<int> Cuts, ImmutableArray<int> Designs, double LatencySeconds, double EnergyJ, double Score)
{
    public int Segments => Cuts.Length - 1;
}

/// <summary>
/// SCAR's segmentation step: per model and independently of the others, candidate split points for every segment
/// count from 1 to the chiplets it may use are scored with the layer table (each segment on the design that suits
/// it best, neighbours one hop apart), and the best <c>k</c> are kept. Small spaces are enumerated; large ones are
/// sampled: cuts balanced by expected latency and by each design's compute, and seeded perturbations of them.
/// </summary>
public static class Segmentation
{
    public static ImmutableArray<SegmentationCandidate> TopK(LayerCostTable table, int model, LayerRange range, int maxSegments,
        ScarOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        int segmentsCap = Math.Max(1, Math.Min(Math.Min(maxSegments, range.Count), options.NodeCap ?? int.MaxValue));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var scored = new List<SegmentationCandidate>();
        for (int s = 1; s <= segmentsCap; s++)
            foreach (var cuts in Candidates(table, model, range, s, options, random))
                if (seen.Add(string.Join(',', cuts)))
                    scored.Add(Score(table, model, cuts, options));
        return [.. scored.OrderBy(c => c.Score).ThenBy(c => c.Segments).ThenBy(c => string.Join(',', c.Cuts), StringComparer.Ordinal).Take(options.TopK)];
    }

    /// <summary>The table's score of one segmentation: each segment on its best design, one hop between segments.</summary>
    public static SegmentationCandidate Score(LayerCostTable table, int model, int[] cuts, ScarOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(cuts);
        ArgumentNullException.ThrowIfNull(options);
        var goal = options.Goal;
        int segments = cuts.Length - 1;
        var designs = new int[segments];
        var chiplets = new int[segments];
        for (int s = 0; s < segments; s++)
        {
            int best = 0;
            double bestScore = double.PositiveInfinity;
            for (int d = 0; d < table.Designs.Length; d++)
            {
                double score = goal.Score(table.ComputeSeconds(model, d, cuts[s], cuts[s + 1]), table.ComputeEnergy(model, d, cuts[s], cuts[s + 1]));
                if (score < bestScore) (best, bestScore) = (d, score);
            }
            designs[s] = best;
            chiplets[s] = table.Representatives[best];
        }
        var (latency, energy) = table.Estimate(model, cuts, chiplets, oneHop: true);
        return new SegmentationCandidate([.. cuts], [.. designs], latency, energy, goal.Score(latency, energy));
    }

    private static IEnumerable<int[]> Candidates(LayerCostTable table, int model, LayerRange range, int segments, ScarOptions options, Random random)
    {
        if (segments == 1) { yield return [range.First, range.End]; yield break; }
        if (ChipletProvisioning.CompositionCount(segments, range.Count) <= options.EnumerationLimit)
        {
            foreach (var sizes in ChipletProvisioning.Exhaustive(segments, range.Count))
            {
                var cuts = new int[segments + 1];
                cuts[0] = range.First;
                for (int s = 0; s < segments; s++) cuts[s + 1] = cuts[s] + sizes[s];
                yield return cuts;
            }
            yield break;
        }
        var expected = table.ExpectedSeconds[model];
        var balanced = Balanced(range, segments, i => expected[i]);
        yield return balanced;
        for (int d = 0; d < table.Designs.Length; d++)
        {
            int design = d;
            yield return Balanced(range, segments, i => table.ComputeSeconds(model, design, i, i + 1));
        }
        int spread = Math.Max(1, range.Count / (2 * segments));
        for (int v = 0; v < options.SegmentationsPerCount; v++)
        {
            var cuts = (int[])balanced.Clone();
            for (int s = 1; s < segments; s++)
                cuts[s] = Math.Clamp(cuts[s] + random.Next(-spread, spread + 1), cuts[s - 1] + 1, range.End - (segments - s));
            yield return cuts;
        }
    }

    /// <summary>Cuts so that each segment gets about an equal share of the weight (each at least one layer).</summary>
    internal static int[] Balanced(LayerRange range, int segments, Func<int, double> weight)
    {
        double total = 0;
        for (int i = range.First; i < range.End; i++) total += weight(i);
        var cuts = new int[segments + 1];
        cuts[0] = range.First;
        cuts[segments] = range.End;
        double acc = 0;
        int s = 1;
        for (int i = range.First; i < range.End && s < segments; i++)
        {
            acc += weight(i);
            int left = range.End - (i + 1);
            if ((acc >= total * s / segments && left >= segments - s) || left == segments - s)
                cuts[s++] = i + 1;
        }
        return cuts;
    }
}
