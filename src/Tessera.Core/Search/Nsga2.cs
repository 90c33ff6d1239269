namespace Tessera.Search;

/// <summary>
/// The selection machinery of NSGA-II (Deb, Pratap, Agarwal and Meyarivan, IEEE TEC 2002) for minimised
/// objectives: Pareto dominance, fast non-dominated sorting into fronts, and crowding distance within a front.
/// </summary>
public static class Nsga2
{
    /// <summary>True when <paramref name="a"/> is no worse than <paramref name="b"/> in every objective and better in one.</summary>
    public static bool Dominates(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        bool better = false;
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] > b[i]) return false;
            if (a[i] < b[i]) better = true;
        }
        return better;
    }

    /// <summary>
    /// Fast non-dominated sorting: the indices of <paramref name="points"/> by front (front 0 is non-dominated),
    /// each front in ascending index order. O(M·N²) as in the paper.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Sort(IReadOnlyList<IReadOnlyList<double>> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        int n = points.Count;
        var dominated = new List<int>[n];   // S_p: the points p dominates
        var dominators = new int[n];        // n_p: how many points dominate p
        var fronts = new List<IReadOnlyList<int>>();
        var current = new List<int>();
        for (int p = 0; p < n; p++)
        {
            dominated[p] = [];
            for (int q = 0; q < n; q++)
            {
                if (p == q) continue;
                if (Dominates(points[p], points[q])) dominated[p].Add(q);
                else if (Dominates(points[q], points[p])) dominators[p]++;
            }
            if (dominators[p] == 0) current.Add(p);
        }
        while (current.Count > 0)
        {
            fronts.Add(current);
            var next = new List<int>();
            foreach (int p in current)
                foreach (int q in dominated[p])
                    if (--dominators[q] == 0) next.Add(q);
            next.Sort();
            current = next;
        }
        return fronts;
    }

    /// <summary>
    /// Crowding distance of each member of <paramref name="front"/> (same order): per objective, the boundary
    /// points get infinity and the others the normalised gap between their neighbours, summed over objectives.
    /// </summary>
    public static double[] CrowdingDistance(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<int> front)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(front);
        var distance = new double[front.Count];
        if (front.Count == 0) return distance;
        int objectives = points[front[0]].Count;
        var order = Enumerable.Range(0, front.Count).ToArray();
        for (int m = 0; m < objectives; m++)
        {
            // Stable sort (ties by position) so equal values get a deterministic order.
            order = [.. order.OrderBy(i => points[front[i]][m]).ThenBy(i => i)];
            double min = points[front[order[0]]][m], max = points[front[order[^1]]][m];
            distance[order[0]] = distance[order[^1]] = double.PositiveInfinity;
            if (max <= min) continue;
            for (int k = 1; k < order.Length - 1; k++)
                distance[order[k]] += (points[front[order[k + 1]]][m] - points[front[order[k - 1]]][m]) / (max - min);
        }
        return distance;
    }
}
