using System.Collections.Immutable;

namespace Tessera.Ecosystem;

/// <summary>
/// A half-line E(T) = Slope × T + Intercept, defined for T ≥ Start: a chiplet's energy for one stage at time budget T
/// (leakage power × T + dynamic energy, valid once the budget covers the stage's latency).
/// </summary>
public readonly record struct HalfLine(double Slope, double Intercept, double Start)
{
    public double At(double t) => Slope * t + Intercept;
}

/// <summary>
/// The lower envelope of half-lines (Mozart's best chiplet per time budget): for every budget T, the half-line with the
/// least value among those defined at T. Between consecutive starts the set of defined lines is fixed, so each such
/// interval keeps a convex hull of its lines and a query is two binary searches (the convex-hull trick).
/// </summary>
public sealed class LowerEnvelope
{
    private readonly double[] _starts;
    private readonly int[][] _hulls;
    private readonly double[][] _from;
    private readonly ImmutableArray<HalfLine> _lines;

    public LowerEnvelope(IReadOnlyList<HalfLine> lines)
    {
        _lines = [.. lines];
        _starts = [.. lines.Select(l => l.Start).Where(double.IsFinite).Distinct().Order()];
        _hulls = new int[_starts.Length][];
        _from = new double[_starts.Length][];
        for (int k = 0; k < _starts.Length; k++)
        {
            var active = Enumerable.Range(0, lines.Count).Where(i => lines[i].Start <= _starts[k]);
            (_hulls[k], _from[k]) = Hull(lines, active, _starts[k]);
        }
    }

    /// <summary>The index of the least half-line defined at <paramref name="t"/>, or −1 when none is.</summary>
    public int Query(double t)
    {
        int k = UpperBound(_starts, t) - 1;
        if (k < 0) return -1;
        int j = UpperBound(_from[k], t) - 1;
        return _hulls[k][Math.Max(j, 0)];
    }

    /// <summary>The least value defined at <paramref name="t"/> (+∞ when none is).</summary>
    public double Value(double t) => Query(t) is var i and >= 0 ? _lines[i].At(t) : double.PositiveInfinity;

    /// <summary>Every start (the budgets at which the envelope's set of lines changes).</summary>
    public IReadOnlyList<double> Starts => _starts;

    /// <summary>
    /// The budgets at which the least line changes (a new line starts below the others, or the envelope passes to a
    /// line of smaller slope), in increasing order. Between two of them the choice is fixed and the value grows with T.
    /// </summary>
    public IReadOnlyList<double> Breakpoints
    {
        get
        {
            if (_breakpoints is not null) return _breakpoints;
            var points = new List<double>();
            for (int k = 0; k < _starts.Length; k++)
            {
                var end = k + 1 < _starts.Length ? _starts[k + 1] : double.PositiveInfinity;
                if (k == 0 || PreviousChoice(k) != _hulls[k][0]) points.Add(_starts[k]);
                for (int j = 1; j < _from[k].Length; j++)
                    if (_from[k][j] < end) points.Add(_from[k][j]);
            }
            return _breakpoints = [.. points.Distinct().Order()];
        }
    }

    private double[]? _breakpoints;

    /// <summary>The least line just before start k (on interval k − 1's hull).</summary>
    private int PreviousChoice(int k)
    {
        int j = UpperBound(_from[k - 1], _starts[k]) - 1;
        return _hulls[k - 1][Math.Max(j, 0)];
    }

    /// <summary>
    /// Lower hull of full lines for T ≥ <paramref name="origin"/>: lines by decreasing slope (the least line at large T has
    /// the smallest slope), each with the budget from which it is the least.
    /// </summary>
    private static (int[] Lines, double[] From) Hull(IReadOnlyList<HalfLine> lines, IEnumerable<int> active, double origin)
    {
        // At equal slopes only the lowest intercept matters; ties broken by index for determinism.
        var sorted = active.OrderByDescending(i => lines[i].Slope).ThenBy(i => lines[i].Intercept).ThenBy(i => i).ToList();
        var hull = new List<int>();
        var from = new List<double>();
        foreach (var i in sorted)
        {
            var l = lines[i];
            if (hull.Count > 0 && lines[hull[^1]].Slope == l.Slope) continue;
            while (hull.Count > 0)
            {
                var top = lines[hull[^1]];
                // Where l drops below the top line (slope of l is smaller, so l wins after x).
                var x = Math.Max(origin, (l.Intercept - top.Intercept) / (top.Slope - l.Slope));
                if (x <= from[^1]) { hull.RemoveAt(hull.Count - 1); from.RemoveAt(from.Count - 1); continue; }
                hull.Add(i);
                from.Add(x);
                break;
            }
            if (hull.Count == 0) { hull.Add(i); from.Add(origin); }
        }
        return ([.. hull], [.. from]);
    }

    /// <summary>The number of sorted values ≤ x.</summary>
    private static int UpperBound(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
