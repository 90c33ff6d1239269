using System.Collections.Immutable;
using Tessera.Scoring;

namespace Tessera.Search.Scar;

/// <summary>Where each model's segments run in one window: a path of adjacent chiplets per model (chiplet indices), with the table's estimate.</summary>
public sealed record PlacementResult(ImmutableArray<ImmutableArray<int>> Paths, ImmutableArray<(double LatencySeconds, double EnergyJ)> Estimates, double Score);

/// <summary>
/// SCAR's placement step: the package graph has the chiplets as nodes and direct chiplet-to-chiplet links as edges;
/// each model's segments go on a simple path of adjacent chiplets (segment k on the path's k-th chiplet, so a
/// chiplet's dataflow serves the segment placed on it), found by a constrained depth-first search from a start chiplet,
/// and no chiplet serves two models in a window. Exhaustive search (branch and bound over every model's paths) on
/// small packages; on large ones an evolutionary search over each model's start chiplet and search order.
/// The window's estimate is the slowest model's latency and the models' summed energy.
/// </summary>
public sealed class Placement
{
    private readonly LayerCostTable _table;
    private readonly ScarOptions _options;
    private readonly int[][] _neighbours;
    private readonly Dictionary<int, List<int[]>> _pathsByLength = [];
    private readonly Dictionary<(int Model, string Cuts, string Goal), Option[]> _optionsOf = [];

    public Placement(LayerCostTable table, ScarOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        (_table, _options) = (table, options);
        var chiplets = table.Package.Chiplets;
        var index = Enumerable.Range(0, chiplets.Length).ToDictionary(i => chiplets[i].Id, StringComparer.Ordinal);
        var neighbours = Enumerable.Range(0, chiplets.Length).Select(_ => new SortedSet<int>()).ToArray();
        foreach (var link in table.Package.Links)
            if (index.TryGetValue(link.From, out var a) && index.TryGetValue(link.To, out var b) && a != b)
            {
                neighbours[a].Add(b);
                neighbours[b].Add(a);
            }
        _neighbours = [.. neighbours.Select(n => n.ToArray())];
    }

    /// <summary>Chiplet indices adjacent to a chiplet over a direct link.</summary>
    public IReadOnlyList<int> Neighbours(int chiplet) => _neighbours[chiplet];

    public bool Exhaustive => _neighbours.Length <= Math.Min(_options.ExhaustiveChiplets, MaskBits);

    /// <summary>The best placement of the models' segmentations (model index into the table, cuts), or null when none fits.</summary>
    public PlacementResult? Place(IReadOnlyList<(int Model, ImmutableArray<int> Cuts)> models, Random random, Objective? goal = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(random);
        if (models.Sum(m => m.Cuts.Length - 1) > _neighbours.Length) return null;
        goal ??= _options.Goal;
        var placed = Exhaustive ? BranchAndBound(models, goal) : Evolve(models, random, goal);
        // A segment on a design that cannot map one of its layers is estimated at infinity: not a placement.
        return placed is not null && placed.Estimates.All(e => double.IsFinite(e.LatencySeconds)) ? placed : null;
    }

    private const int MaskBits = 64;

    private sealed record Option(int[] Path, ulong Mask, double Latency, double Energy);

    private PlacementResult? BranchAndBound(IReadOnlyList<(int Model, ImmutableArray<int> Cuts)> models, Objective goal)
    {
        // Most segments first: the most constrained model picks its path first.
        var order = Enumerable.Range(0, models.Count).OrderByDescending(i => models[i].Cuts.Length).ThenBy(i => i).ToArray();
        var options = new Option[models.Count][];
        foreach (var i in order)
            options[i] = OptionsOf(models[i].Model, models[i].Cuts, goal);
        // Lower bounds of the models still to place (suffix over the order).
        var restLatency = new double[order.Length + 1];
        var restEnergy = new double[order.Length + 1];
        for (int k = order.Length - 1; k >= 0; k--)
        {
            var o = options[order[k]];
            restLatency[k] = Math.Max(restLatency[k + 1], o.Length == 0 ? double.PositiveInfinity : o.Min(x => x.Latency));
            restEnergy[k] = restEnergy[k + 1] + (o.Length == 0 ? double.PositiveInfinity : o.Min(x => x.Energy));
        }
        var chosen = new Option[models.Count];
        Option[]? best = null;
        double bestScore = double.PositiveInfinity;
        // Non-monotone objectives cannot prune by bounds: the visit budget keeps them finite (options are sorted best first).
        long budget = (long)_options.PathLimit * Math.Max(1, models.Count);
        void Walk(int k, ulong used, double latency, double energy)
        {
            if (best is not null && --budget < 0) return;
            if (k == order.Length)
            {
                double score = goal.Score(latency, energy);
                if (score < bestScore) (bestScore, best) = (score, (Option[])chosen.Clone());
                return;
            }
            foreach (var o in options[order[k]])
            {
                if ((o.Mask & used) != 0) continue;
                double l = Math.Max(latency, o.Latency), e = energy + o.Energy;
                if (goal.Monotone && goal.Score(Math.Max(l, restLatency[k + 1]), e + restEnergy[k + 1]) >= bestScore) continue;
                chosen[order[k]] = o;
                Walk(k + 1, used | o.Mask, l, e);
            }
        }
        Walk(0, 0, 0, 0);
        return best is null ? null : new PlacementResult([.. best.Select(o => o.Path.ToImmutableArray())],
            [.. best.Select(o => (o.Latency, o.Energy))], bestScore);
    }

    /// <summary>
    /// A model's segmentation on every path of its length with the table's estimate, best by the goal first. The same
    /// segmentation recurs in many combinations of a window (and under every objective), so it is estimated once.
    /// </summary>
    private Option[] OptionsOf(int model, ImmutableArray<int> cuts, Objective goal)
    {
        var key = (model, string.Join(',', cuts), goal.Name);
        if (_optionsOf.TryGetValue(key, out var cached)) return cached;
        return _optionsOf[key] = [.. PathsOf(cuts.Length - 1).Select(p =>
        {
            var (latency, energy) = _table.Estimate(model, cuts.AsSpan(), p);
            ulong mask = 0;
            foreach (var c in p) mask |= 1UL << c;
            return new Option(p, mask, latency, energy);
        }).Where(o => double.IsFinite(o.Latency)).OrderBy(o => goal.Score(o.Latency, o.Energy)).ThenBy(o => string.Join(',', o.Path), StringComparer.Ordinal)];
    }

    /// <summary>Every simple path of the given number of chiplets (capped by the options' path limit), in DFS order.</summary>
    private List<int[]> PathsOf(int length)
    {
        if (_pathsByLength.TryGetValue(length, out var cached)) return cached;
        var paths = new List<int[]>();
        var path = new int[length];
        var onPath = new bool[_neighbours.Length];
        void Dfs(int depth)
        {
            if (paths.Count >= _options.PathLimit) return;
            if (depth == length) { paths.Add((int[])path.Clone()); return; }
            foreach (var next in _neighbours[path[depth - 1]])
                if (!onPath[next])
                {
                    (path[depth], onPath[next]) = (next, true);
                    Dfs(depth + 1);
                    onPath[next] = false;
                }
        }
        for (int start = 0; start < _neighbours.Length; start++)
        {
            (path[0], onPath[start]) = (start, true);
            Dfs(1);
            onPath[start] = false;
        }
        _pathsByLength[length] = paths;
        return paths;
    }

    /// <summary>A genome holds per model a start chiplet and the seed of its DFS's neighbour order.</summary>
    private PlacementResult? Evolve(IReadOnlyList<(int Model, ImmutableArray<int> Cuts)> models, Random random, Objective goal)
    {
        int n = _neighbours.Length, m = models.Count;
        int[] NewGene() => [random.Next(n), random.Next()];
        var cache = new Dictionary<string, PlacementResult?>(StringComparer.Ordinal);
        PlacementResult? Decode(int[][] genome)
        {
            var key = string.Join(';', genome.Select(g => $"{g[0]},{g[1]}"));
            if (cache.TryGetValue(key, out var known)) return known;
            var used = new bool[n];
            var paths = new int[m][];
            var estimates = new (double, double)[m];
            foreach (var i in Enumerable.Range(0, m).OrderByDescending(i => models[i].Cuts.Length).ThenBy(i => i))
            {
                int length = models[i].Cuts.Length - 1;
                int[]? found = null;
                for (int k = 0; k < n && found is null; k++)
                {
                    int start = (genome[i][0] + k) % n;
                    if (!used[start]) found = FindPath(start, length, used, new Random(genome[i][1]));
                }
                if (found is null) return cache[key] = null;
                foreach (var c in found) used[c] = true;
                paths[i] = found;
                estimates[i] = _table.Estimate(models[i].Model, models[i].Cuts.AsSpan(), found);
            }
            double score = goal.Score(estimates.Max(e => e.Item1), estimates.Sum(e => e.Item2));
            return cache[key] = new PlacementResult([.. paths.Select(p => p.ToImmutableArray())], [.. estimates], score);
        }
        double Fitness(int[][] g) => Decode(g)?.Score ?? double.PositiveInfinity;

        var population = Enumerable.Range(0, _options.Population).Select(_ => Enumerable.Range(0, m).Select(_ => NewGene()).ToArray()).ToList();
        for (int generation = 0; generation < _options.Generations; generation++)
        {
            int[][] Pick()
            {
                var (a, b) = (population[random.Next(population.Count)], population[random.Next(population.Count)]);
                return Fitness(a) <= Fitness(b) ? a : b;
            }
            var children = new List<int[][]>();
            for (int j = 0; j < _options.Population; j++)
            {
                var (a, b) = (Pick(), Pick());
                var child = Enumerable.Range(0, m).Select(i => (int[])(random.Next(2) == 0 ? a[i] : b[i]).Clone()).ToArray();
                int mutate = random.Next(m);
                child[mutate] = NewGene();
                children.Add(child);
            }
            population = [.. population.Concat(children)
                .DistinctBy(g => string.Join(';', g.Select(x => $"{x[0]},{x[1]}")))
                .OrderBy(Fitness).Take(_options.Population)];
        }
        return population.Select(Decode).FirstOrDefault(p => p is not null);
    }

    /// <summary>Constrained DFS: a simple path of free chiplets from a start, neighbours tried in a seeded order.</summary>
    private int[]? FindPath(int start, int length, bool[] used, Random order)
    {
        var path = new List<int> { start };
        var onPath = new HashSet<int> { start };
        int budget = _options.PathLimit;
        bool Dfs()
        {
            if (path.Count == length) return true;
            if (--budget < 0) return false;
            var next = _neighbours[path[^1]].Where(c => !used[c] && !onPath.Contains(c)).ToArray();
            order.Shuffle(next);
            foreach (var c in next)
            {
                path.Add(c);
                onPath.Add(c);
                if (Dfs()) return true;
                path.RemoveAt(path.Count - 1);
                onPath.Remove(c);
            }
            return false;
        }
        return Dfs() ? [.. path] : null;
    }
}
