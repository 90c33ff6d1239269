using System.Collections.Immutable;
using System.Globalization;
using Google.OrTools.Sat;
using Tessera.Chiplets;
using Tessera.Economics;
using Tessera.Technology;

namespace Tessera.Ecosystem;

/// <summary>A pool of chiplet designs and the BASIC it gives each application, with the suite's geometric-mean metric.</summary>
public sealed record PoolResult(ImmutableArray<string> Designs, ImmutableArray<BasicPackage?> Packages, double Objective)
{
    public bool Feasible => double.IsFinite(Objective);
}

/// <summary>One point of the pool-size curve: the best pool growth found with K designs.</summary>
public sealed record PoolCurvePoint(int K, string Added, double Objective, double Gain);

/// <summary>
/// Ecosystem selection (Mozart): which K chiplet designs serve a suite best. A pool is scored by composing each
/// application's BASIC from the pool's designs only (its fusion plan from the full-set search, repaired for the pool),
/// with each design's NRE shared by the applications that use it, and taking the geometric mean of the metric.
/// </summary>
public sealed class PoolSelection
{
    /// <summary>CP-SAT takes integer coefficients: energies relative to each application's reference at this resolution.</summary>
    private const double ProxyResolution = 1e6;

    private readonly TechnologyLibrary _t;
    private readonly ProfileTable _table;
    private readonly ImmutableArray<SuiteModel> _apps;
    private readonly ImmutableArray<FusionPlan> _plans;
    private readonly ImmutableArray<MemoryOption> _memories;
    private readonly BasicOptions _options;
    private readonly Dictionary<string, PoolResult> _cache = new(StringComparer.Ordinal);

    public PoolSelection(TechnologyLibrary t, ProfileTable table, IReadOnlyList<SuiteModel> apps, IReadOnlyList<FusionPlan> plans,
        IReadOnlyList<MemoryOption> memories, BasicOptions options)
    {
        _t = t;
        _table = table;
        _apps = [.. apps];
        _plans = [.. plans];
        _memories = [.. memories];
        _options = options;
    }

    public ImmutableArray<ChipletCandidate> Candidates => _table.Candidates;

    /// <summary>
    /// Scores a pool. Pass 1 amortises every design's NRE over the whole suite; then each design's NRE is amortised
    /// over the applications that pass 1 made use it. When the objective charges NRE (<see cref="CostBasis.AllIn"/>)
    /// the packages are chosen again at that sharing (their choices are by energy, so they barely move); otherwise
    /// the sharing only changes the NRE reported beside them.
    /// </summary>
    public PoolResult Evaluate(IEnumerable<int> pool)
    {
        var members = pool.Distinct().Order().ToArray();
        var key = string.Join(',', members);
        if (_cache.TryGetValue(key, out var cached)) return cached;
        var designs = members.Select(i => _table.Candidates[i]).ToArray();
        var first = Packages(designs, _ => _apps.Length);
        var users = first.Where(p => p is not null).SelectMany(p => p!.Designs)
            .GroupBy(d => d, StringComparer.Ordinal).ToImmutableDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var packages = _options.Basis == CostBasis.AllIn ? Packages(designs, d => users.GetValueOrDefault(d, 1))
            : [.. first.Select(p => p?.SharedBy(users))];
        var objective = packages.Any(p => p is null) ? double.PositiveInfinity
            : Math.Exp(packages.Average(p => Math.Log(p!.Metric(_options.Objective))));
        var result = new PoolResult([.. designs.Select(d => d.Name)], packages, objective);
        _cache[key] = result;
        return result;
    }

    /// <summary>
    /// Each application's package from the pool: the envelope's choice over all pool designs, or the package using
    /// one pool design only, whichever has the lesser metric (the envelope chooses by energy, so a cost-led metric
    /// may prefer fewer designs; with this, adding a design to a pool never takes an option away).
    /// </summary>
    private ImmutableArray<BasicPackage?> Packages(ChipletCandidate[] designs, Func<string, int> sharing) =>
    [
        .. _apps.Select((app, a) =>
        {
            var designer = new BasicDesigner(_t, _table, app, designs, _memories, _options, sharing);
            var options = designs.Length == 1 ? [] : designs.Select(d => Single(a, d, sharing(d.Name)));
            return options.Prepend(designer.Evaluate(designer.Adapt(_plans[a])))
                .Where(p => p is not null).MinBy(p => p!.Metric(_options.Objective));
        }),
    ];

    private readonly Dictionary<(int, string, int), BasicPackage?> _single = [];

    private BasicPackage? Single(int app, ChipletCandidate design, int sharing)
    {
        if (_single.TryGetValue((app, design.Name, sharing), out var p)) return p;
        var designer = new BasicDesigner(_t, _table, _apps[app], [design], _memories, _options, _ => sharing);
        p = designer.Evaluate(designer.Adapt(_plans[app]));
        _single[(app, design.Name, sharing)] = p;
        return p;
    }

    /// <summary>
    /// Growth (Mozart): add the design that lowers the objective most, one at a time, up to <paramref name="maxK"/>.
    /// The chosen size is where the relative gain first stays below <paramref name="minGain"/> for
    /// <paramref name="patience"/> steps in a row (the artifact: below 1 % twice).
    /// </summary>
    public (ImmutableArray<PoolCurvePoint> Curve, int ChosenK) Grow(int maxK, double minGain, int patience,
        IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var pool = new List<int>();
        var curve = ImmutableArray.CreateBuilder<PoolCurvePoint>();
        double previous = double.PositiveInfinity;
        int chosen = 0, below = 0;
        maxK = Math.Min(maxK, _table.Candidates.Length);
        for (int k = 1; k <= maxK; k++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (add, value) = Enumerable.Range(0, _table.Candidates.Length).Where(c => !pool.Contains(c))
                .Select(c => (c, Evaluate([.. pool, c]).Objective)).MinBy(p => p.Objective);
            pool.Add(add);
            // Adding a design never removes an option; the objective can still rise when the new design changes which
            // applications share another design's NRE, or when a plan repaired for the larger pool is worse.
            var gain = double.IsFinite(previous) ? (previous - value) / previous : 1;
            curve.Add(new PoolCurvePoint(k, _table.Candidates[add].Name, value, gain));
            if (chosen == 0 && double.IsFinite(value))
            {
                below = gain < minGain ? below + 1 : 0;
                if (below == patience) chosen = k - patience;
            }
            previous = Math.Min(previous, value);
            progress?.Report((double)k / maxK);
        }
        // The stop rule never fired within maxK: the smallest pool with the least objective.
        if (chosen == 0 && curve.Count > 0) chosen = curve.Select((p, i) => (p.Objective, i)).MinBy(p => p.Objective).i + 1;
        return (curve.ToImmutable(), Math.Max(1, chosen));
    }

    /// <summary>The pool growth reached at size k.</summary>
    public static int[] GrownPool(IReadOnlyList<PoolCurvePoint> curve, IReadOnlyList<ChipletCandidate> candidates, int k) =>
        [.. curve.Take(k).Select(p => candidates.Select((c, i) => (c, i)).First(x => x.c.Name == p.Added).i)];

    /// <summary>
    /// Simulated annealing over pools of fixed size: swap one member for a non-member; accept a worse pool with
    /// probability exp(−Δ / temperature), Δ the change of log objective, temperature falling linearly from the growth
    /// threshold to 0 (early moves may lose what growth would not bother to gain). Deterministic given the seed.
    /// </summary>
    public PoolResult Anneal(IReadOnlyList<int> start, int steps, double initialTemperature, int seed, CancellationToken cancellation = default)
    {
        var random = new Random(seed);
        var current = start.ToList();
        var currentValue = Evaluate(current);
        var best = currentValue;
        int n = _table.Candidates.Length;
        if (current.Count >= n) return best;
        for (int s = 0; s < steps; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            var outside = Enumerable.Range(0, n).Where(c => !current.Contains(c)).ToArray();
            var next = current.ToList();
            next[random.Next(next.Count)] = outside[random.Next(outside.Length)];
            var value = Evaluate(next);
            var delta = Math.Log(value.Objective) - Math.Log(currentValue.Objective);
            var temperature = initialTemperature * (1 - (double)s / steps);
            if (delta <= 0 || (temperature > 0 && random.NextDouble() < Math.Exp(-delta / temperature)))
                (current, currentValue) = (next, value);
            if (value.Objective < best.Objective) best = value;
        }
        return best;
    }

    // ------------------------------------------------------------------------------------------- exact (CP-SAT)

    /// <summary>
    /// The exact selection's linear objective for a pool: Σ over applications and fusion groups of the least energy of
    /// a pool design at the application's relaxed budget, relative to the application's least energy over all
    /// designs. +∞ when a group has no design in the pool.
    /// </summary>
    public double ProxyObjective(IEnumerable<int> pool)
    {
        var members = pool.ToHashSet();
        double total = 0;
        foreach (var e in ProxyEnergies())
            foreach (var group in e)
            {
                var least = members.Select(d => group[d]).DefaultIfEmpty(double.PositiveInfinity).Min();
                if (double.IsPositiveInfinity(least)) return double.PositiveInfinity;
                total += Math.Round(least * ProxyResolution) / ProxyResolution;
            }
        return total;
    }

    private List<double[][]>? _proxy;

    /// <summary>Per application, per fusion group, per design: relative energy at the relaxed budget (∞: cannot run it).</summary>
    private List<double[][]> ProxyEnergies()
    {
        if (_proxy is not null) return _proxy;
        _proxy = [];
        for (int a = 0; a < _apps.Length; a++)
        {
            var designer = new BasicDesigner(_t, _table, _apps[a], _table.Candidates, _memories, _options, _ => _apps.Length);
            var position = designer.Candidates.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
            var energies = designer.GroupEnergies(_plans[a]).Select(g => _table.Candidates
                .Select(c => position.TryGetValue(c.Name, out var i) ? g[i] : double.PositiveInfinity).ToArray()).ToArray();
            var reference = energies.Sum(g => g.Where(double.IsFinite).DefaultIfEmpty(0).Min());
            _proxy.Add([.. energies.Select(g => g.Select(e => reference > 0 ? e / reference : e).ToArray())]);
        }
        return _proxy;
    }

    /// <summary>
    /// Exact selection of at most k designs minimising <see cref="ProxyObjective"/> with CP-SAT: x_d picks a design,
    /// y_agd assigns group g of application a to design d (only where d can run it), y ≤ x, one design per group.
    /// </summary>
    public (int[] Pool, bool Optimal) Exact(int k, double timeLimitSeconds)
    {
        var energies = ProxyEnergies();
        int n = _table.Candidates.Length;
        var model = new CpModel();
        var x = Enumerable.Range(0, n).Select(d => model.NewBoolVar($"x{d}")).ToArray();
        model.Add(LinearExpr.Sum(x) <= k);
        var terms = new List<(BoolVar Var, long Coefficient)>();
        for (int a = 0; a < energies.Count; a++)
            for (int g = 0; g < energies[a].Length; g++)
            {
                var options = new List<BoolVar>();
                for (int d = 0; d < n; d++)
                {
                    if (!double.IsFinite(energies[a][g][d])) continue;
                    var y = model.NewBoolVar($"y{a}_{g}_{d}");
                    model.AddImplication(y, x[d]);
                    options.Add(y);
                    terms.Add((y, (long)Math.Round(energies[a][g][d] * ProxyResolution)));
                }
                model.AddExactlyOne(options);
            }
        model.Minimize(LinearExpr.WeightedSum(terms.Select(t => t.Var), terms.Select(t => t.Coefficient)));
        var solver = new CpSolver
        {
            StringParameters = string.Create(CultureInfo.InvariantCulture, $"max_time_in_seconds:{timeLimitSeconds} num_workers:1 random_seed:{_options.Seed}"),
        };
        var status = solver.Solve(model);
        if (status is not (CpSolverStatus.Optimal or CpSolverStatus.Feasible)) return ([], false);
        return ([.. Enumerable.Range(0, n).Where(d => solver.BooleanValue(x[d]))], status == CpSolverStatus.Optimal);
    }
}
