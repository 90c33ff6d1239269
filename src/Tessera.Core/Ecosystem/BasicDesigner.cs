using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Economics;
using Tessera.Floorplanning;
using Tessera.Technology;

namespace Tessera.Ecosystem;

/// <summary>
/// Composes a bespoke package (BASIC) for one application from the profile table (Mozart's per-application step):
/// a GA over fusion cut points and a memory type per group; for each group and time budget the best chiplet and
/// tensor parallelism from the lower envelope of E(T) = leakage × T + dynamic energy; the budget that minimises the
/// metric. Everything here is a table evaluation; <see cref="EcosystemRunner"/> composes and simulates the final
/// packages. Packages are priced by <see cref="PackagePricer"/>: the cost of the package the composer builds.
/// </summary>
public sealed class BasicDesigner
{
    private const double PicoToUnit = 1e-12;
    private const double BitsPerByte = 8;

    private readonly SuiteModel _app;
    private readonly ImmutableArray<ChipletCandidate> _candidates;
    private readonly ImmutableArray<MemoryOption> _memories;
    private readonly BasicOptions _options;
    private readonly ImmutableDictionary<string, int> _sharing;
    private readonly PackagePricer _pricer;
    private readonly double _linkPjPerBit;
    private readonly int _n;
    // Per allowed candidate: prefix sums over the chain (index i = steps before i).
    private readonly double[][] _cycles, _dynPj, _offBytes;
    private readonly int[][] _infeasible;
    private readonly double[] _weights;
    private readonly Dictionary<(int, int, int), (LowerEnvelope Envelope, Line[] Lines)> _envelopes = [];
    private readonly Dictionary<(int, int), double> _demand = [];

    /// <param name="candidates">The designs this package may use (the whole candidate set, or a pool).</param>
    /// <param name="sharing">Products sharing a design's NRE (for its amortisation), by design name.</param>
    public BasicDesigner(TechnologyLibrary t, ProfileTable table, SuiteModel app, IEnumerable<ChipletCandidate> candidates,
        IReadOnlyList<MemoryOption> memories, BasicOptions options, Func<string, int> sharing)
    {
        _app = app;
        _memories = [.. memories];
        _options = options;
        _candidates = [.. candidates.Where(c => options.Constraints.MaxDieAreaMm2 is not { } max || c.Area.TotalMm2 <= max)];
        _sharing = _candidates.ToImmutableDictionary(c => c.Name, c => Math.Max(1, sharing(c.Name)), StringComparer.Ordinal);
        _pricer = new PackagePricer(t, options.Cost);
        _linkPjPerBit = t.DieToDie(Floorplanner.LinkKind(options.Cost.Packaging)).EnergyPerBitPj;
        _n = app.Chain.Length;
        int k = _candidates.Length;
        _cycles = new double[k][];
        _dynPj = new double[k][];
        _offBytes = new double[k][];
        _infeasible = new int[k][];
        for (int c = 0; c < k; c++)
        {
            (_cycles[c], _dynPj[c], _offBytes[c], _infeasible[c]) = (new double[_n + 1], new double[_n + 1], new double[_n + 1], new int[_n + 1]);
            for (int i = 0; i < _n; i++)
            {
                var p = table.Profiles[(_candidates[c].Name, app.Chain[i].ShapeKey)];
                _cycles[c][i + 1] = _cycles[c][i] + p.Cycles;
                _dynPj[c][i + 1] = _dynPj[c][i] + p.ComputePj + p.OnChipPj;
                _offBytes[c][i + 1] = _offBytes[c][i] + p.OffChipBytes;
                _infeasible[c][i + 1] = _infeasible[c][i] + (p.Feasible ? 0 : 1);
            }
        }
        _weights = new double[_n + 1];
        for (int i = 0; i < _n; i++) _weights[i + 1] = _weights[i] + app.Chain[i].WeightBytes;
    }

    /// <summary>One half-line of a group's envelope: a candidate at a tensor parallelism, its energies (J) and stage latency.</summary>
    private readonly record struct Line(int Candidate, int Tp, double Dyn, double Link, double Lat);

    public ImmutableArray<ChipletCandidate> Candidates => _candidates;
    public int ChainLength => _n;

    // ------------------------------------------------------------------------------------------- group quantities

    /// <summary>
    /// On-chip capacity a fusion group needs: the most bytes live across any boundary inside it (tensors produced in
    /// the group before the boundary and consumed in the group after it). They stay in the global buffer.
    /// </summary>
    public double Demand(int first, int count)
    {
        if (_demand.TryGetValue((first, count), out var d)) return d;
        int last = first + count - 1;
        var live = new double[count];
        for (int p = first; p < last; p++)
        {
            var step = _app.Chain[p];
            int far = -1;
            foreach (var c in step.Consumers) if (c <= last) far = Math.Max(far, c);
            // Live across boundaries p … far − 1 (between step b and b + 1).
            for (int b = p; b < far; b++) live[b - first] += step.OutputBytes;
        }
        d = count == 1 ? 0 : live.Max();
        _demand[(first, count)] = d;
        return d;
    }

    /// <summary>Bytes produced and consumed inside the group: they never go off chip.</summary>
    private double InternalBytes(int first, int count)
    {
        int last = first + count - 1;
        double bytes = 0;
        for (int p = first; p < last; p++)
        {
            var step = _app.Chain[p];
            if (step.Consumers.Length > 0 && step.Consumers.All(c => c > p && c <= last)) bytes += step.OutputBytes;
        }
        return bytes;
    }

    /// <summary>
    /// Bytes a group receives from earlier groups (tensors produced before it and consumed in it): on another chiplet,
    /// they cross a die-to-die link to each of the group's chiplets.
    /// </summary>
    private double InputBytes(int first, int count)
    {
        double bytes = 0;
        for (int p = 0; p < first; p++)
            if (_app.Chain[p].Consumers.Any(c => c >= first && c < first + count)) bytes += _app.Chain[p].OutputBytes;
        return bytes;
    }

    /// <summary>Bytes the group moves off chip on a candidate: its operators' traffic less the fused intermediates (written and read back).</summary>
    private double OffChipBytes(int c, int first, int count) =>
        Math.Max(_weights[first + count] - _weights[first], _offBytes[c][first + count] - _offBytes[c][first] - 2 * InternalBytes(first, count));

    private bool Fits(int c, int first, int count) =>
        _infeasible[c][first + count] == _infeasible[c][first] && Demand(first, count) <= _candidates[c].GlobalBufferBytes;

    /// <summary>Whether some allowed candidate runs the group with its intermediates on chip.</summary>
    public bool Feasible(int first, int count) => Enumerable.Range(0, _candidates.Length).Any(c => Fits(c, first, count));

    /// <summary>Memory a group's chiplet needs: its weights plus its output at the boundary, double-buffered.</summary>
    private double MemoryBytes(int first, int count) =>
        _weights[first + count] - _weights[first] + 2 * _app.Chain[first + count - 1].OutputBytes;

    /// <summary>The envelope of half-lines (candidate × TP) of a group behind a memory type.</summary>
    private (LowerEnvelope Envelope, Line[] Lines) Envelope(int first, int count, int memory)
    {
        if (_envelopes.TryGetValue((first, count, memory), out var e)) return e;
        var m = _memories[memory];
        var lines = new List<Line>();
        var halves = new List<HalfLine>();
        var linkJ = InputBytes(first, count) * BitsPerByte * _linkPjPerBit * PicoToUnit;
        for (int c = 0; c < _candidates.Length; c++)
        {
            if (!Fits(c, first, count)) continue;
            var cycles = _cycles[c][first + count] - _cycles[c][first];
            var bytes = OffChipBytes(c, first, count);
            var dyn = ((_dynPj[c][first + count] - _dynPj[c][first]) + bytes * BitsPerByte * m.EnergyPerBitPj) * PicoToUnit;
            for (int tp = 1; tp <= _options.MaxTensorParallel; tp++)
            {
                // TP splits the work over tp chiplets, each with its own memory (Mozart: energy and cost scale with TP).
                var lat = Math.Max(cycles / _candidates[c].Core.FrequencyHz, bytes / m.BandwidthBytesPerSecond) / tp;
                lines.Add(new Line(c, tp, dyn, tp * linkJ, lat));
                halves.Add(new HalfLine(tp * _candidates[c].LeakageW, dyn + tp * linkJ, lat));
            }
        }
        e = (new LowerEnvelope(halves), [.. lines]);
        _envelopes[(first, count, memory)] = e;
        return e;
    }

    /// <summary>Mozart's memory seed for a group: the cheapest type meeting its roofline bandwidth demand.</summary>
    public int SeedMemory(int first, int count)
    {
        double bestCycles = double.PositiveInfinity, bytes = 0;
        for (int c = 0; c < _candidates.Length; c++)
        {
            if (!Fits(c, first, count)) continue;
            var cycles = _cycles[c][first + count] - _cycles[c][first];
            if (cycles < bestCycles) (bestCycles, bytes) = (cycles, OffChipBytes(c, first, count));
        }
        if (double.IsPositiveInfinity(bestCycles)) return 0;
        var seconds = bestCycles / _candidates[0].Core.FrequencyHz;
        return MemoryOption.Cheapest(_memories, MemoryBytes(first, count), seconds > 0 ? bytes / seconds : 0);
    }

    // ------------------------------------------------------------------------------------------- evaluation

    /// <summary>
    /// The best package for a plan: for each stage time budget where the envelopes change (≥ the slowest group's
    /// fastest stage), the energy-least chiplet and TP per group; the budget with the least metric that meets the
    /// constraints. Null when infeasible.
    /// </summary>
    public BasicPackage? Evaluate(FusionPlan plan)
    {
        int g = plan.Groups.Length;
        var env = new (LowerEnvelope Envelope, Line[] Lines)[g];
        double tMin = 0;
        for (int i = 0; i < g; i++)
        {
            env[i] = Envelope(plan.Groups[i].First, plan.Groups[i].Count, plan.Memories[i]);
            if (env[i].Envelope.Starts.Count == 0) return null;
            tMin = Math.Max(tMin, env[i].Envelope.Starts[0]);
        }
        // Between breakpoints every group's choice is fixed and energy only grows with T: only breakpoints can be best.
        var budgets = env.SelectMany(e => e.Envelope.Breakpoints).Where(s => s >= tMin).Append(tMin).Distinct().Order().ToList();
        // The memory modules bound a package's cost from below (dies and the rest add to them): a budget whose
        // metric at that bound is no better than the best so far need not be priced.
        var memoryUsd = new double[g, _options.MaxTensorParallel + 1];
        for (int i = 0; i < g; i++)
            for (int tp = 1; tp <= _options.MaxTensorParallel; tp++)
                memoryUsd[i, tp] = tp * _memories[plan.Memories[i]].CostUsd(MemoryBytes(plan.Groups[i].First, plan.Groups[i].Count) / tp);

        BasicPackage? best = null;
        double bestMetric = double.PositiveInfinity;
        var picks = new int[g];
        // Costing a package is the expensive part: only when the metric or a constraint needs it.
        bool costed = _options.Objective.NeedsCost || _options.Constraints.MaxCostUsd is not null;
        foreach (var t in budgets)
        {
            if (_options.Constraints.MaxPeriodSeconds is { } maxT && t > maxT) break;
            double energy = 0, memory = 0;
            for (int i = 0; i < g; i++)
            {
                picks[i] = env[i].Envelope.Query(t);
                var l = env[i].Lines[picks[i]];
                energy += l.Dyn + l.Link + l.Tp * _candidates[l.Candidate].LeakageW * t;
                memory += memoryUsd[i, l.Tp];
            }
            if (_options.Constraints.MaxPowerW is { } maxP && energy / t > maxP) continue;
            if (costed && _options.Objective.Monotone && _options.Objective.Score(t, energy, memory) >= bestMetric) continue;
            ImmutableArray<ChipletGroup>? groups = costed ? Groups(plan, env, picks) : null;
            var cost = groups is { } priced ? Price(priced) : null;
            if (_options.Constraints.MaxCostUsd is { } maxC && cost!.Usd(_options.Basis) > maxC) continue;
            var metric = _options.Objective.Score(t, energy, cost?.Usd(_options.Basis) ?? double.NaN);
            if (metric >= bestMetric) continue;
            bestMetric = metric;
            var hardware = groups ?? Groups(plan, env, picks);
            best = Package(plan, env, picks, hardware, t, energy, cost ?? Price(hardware));
        }
        return best;
    }

    /// <summary>The package's hardware: group i runs stage i on its chosen design at its TP, each chiplet with its own memory modules.</summary>
    private ImmutableArray<ChipletGroup> Groups(FusionPlan plan, (LowerEnvelope, Line[] Lines)[] env, int[] picks) =>
    [
        .. picks.Select((p, i) =>
        {
            var l = env[i].Lines[p];
            var c = _candidates[l.Candidate];
            var memory = _memories[plan.Memories[i]];
            // TP splits the group's memory over its chiplets, each buying whole modules.
            var modules = memory.Modules(MemoryBytes(plan.Groups[i].First, plan.Groups[i].Count) / l.Tp);
            return new ChipletGroup($"s{i}t", c.Name, c, l.Tp, memory.Type, l.Tp * modules);
        }),
    ];

    private PackageCost Price(IReadOnlyList<ChipletGroup> groups) => _pricer.Price($"basic-{_app.Name}", groups, PackageTopology.Pipeline, _sharing);

    private BasicPackage Package(FusionPlan plan, (LowerEnvelope, Line[] Lines)[] env, int[] picks, ImmutableArray<ChipletGroup> groups,
        double period, double energy, PackageCost cost) =>
        new(_app.Name, plan,
        [
            .. picks.Select((p, i) =>
            {
                var l = env[i].Lines[p];
                var c = _candidates[l.Candidate];
                var (first, count) = plan.Groups[i];
                return new BasicStage(first, count, c, l.Tp, groups[i].MemoryType, l.Lat, l.Dyn, l.Link, l.Tp * c.LeakageW, Demand(first, count), i);
            }),
        ], groups, period, energy, cost, _options.Basis);

    /// <summary>
    /// Per group of a plan, per allowed candidate: the least energy over TP at the plan's relaxed budget (the slowest
    /// stage of any candidate, so every candidate that can hold a group meets it); +∞ where the candidate cannot.
    /// The exact pool selection's linear objective.
    /// </summary>
    public double[][] GroupEnergies(FusionPlan plan)
    {
        var env = plan.Groups.Select((g, i) => Envelope(g.First, g.Count, plan.Memories[i])).ToArray();
        var budget = env.SelectMany(e => e.Lines).Select(l => l.Lat).DefaultIfEmpty(0).Max();
        return
        [
            .. env.Select(e =>
            {
                var energy = Enumerable.Repeat(double.PositiveInfinity, _candidates.Length).ToArray();
                foreach (var l in e.Lines)
                    energy[l.Candidate] = Math.Min(energy[l.Candidate], l.Dyn + l.Link + l.Tp * _candidates[l.Candidate].LeakageW * budget);
                return energy;
            }),
        ];
    }

    /// <summary>
    /// A monolithic chip of one design running the whole plan group after group (the bespoke-per-network baseline):
    /// one die, one memory type (the one with the least metric), delay the sum of the stages, leakage over all of it,
    /// no die-to-die traffic, and the design's full NRE (no reuse). Null when the design cannot run a group.
    /// </summary>
    public BasicPackage? Monolithic(FusionPlan plan, int candidate)
    {
        var c = _candidates[candidate];
        var boundary = plan.Groups.Max(g => _app.Chain[g.First + g.Count - 1].OutputBytes);
        BasicPackage? best = null;
        for (int m = 0; m < _memories.Length; m++)
        {
            var stages = ImmutableArray.CreateBuilder<BasicStage>();
            double delay = 0, dyn = 0;
            bool ok = true;
            foreach (var (first, count) in plan.Groups)
            {
                var line = Envelope(first, count, m).Lines.Where(l => l.Candidate == candidate && l.Tp == 1).ToList();
                if (line.Count == 0) { ok = false; break; }
                delay += line[0].Lat;
                dyn += line[0].Dyn;
                stages.Add(new BasicStage(first, count, c, 1, _memories[m].Type, line[0].Lat, line[0].Dyn, 0, c.LeakageW, Demand(first, count), 0));
            }
            if (!ok) return null;
            if (_options.Constraints.MaxPeriodSeconds is { } maxT && delay > maxT) continue;
            ImmutableArray<ChipletGroup> chip = [new ChipletGroup("chip", c.Name, c, 1, _memories[m].Type, _memories[m].Modules(_weights[_n] + 2 * boundary))];
            var package = new BasicPackage(_app.Name, plan with { Memories = [.. plan.Memories.Select(_ => m)] }, stages.ToImmutable(), chip,
                delay, dyn + c.LeakageW * delay, Price(chip), _options.Basis);
            if (best is null || package.Metric(_options.Objective) < best.Metric(_options.Objective)) best = package;
        }
        return best;
    }

    // ------------------------------------------------------------------------------------------- plans

    /// <summary>Groups from cut flags (cut[i]: a boundary after step i), memory of each group from its first step's gene.</summary>
    public FusionPlan Plan(IReadOnlyList<bool> cuts, IReadOnlyList<int> memoryGenes)
    {
        var groups = ImmutableArray.CreateBuilder<(int, int)>();
        var memories = ImmutableArray.CreateBuilder<int>();
        int start = 0;
        for (int i = 0; i < _n; i++)
            if (i == _n - 1 || cuts[i])
            {
                groups.Add((start, i - start + 1));
                memories.Add(memoryGenes[start]);
                start = i + 1;
            }
        return new FusionPlan(groups.ToImmutable(), memories.ToImmutable());
    }

    /// <summary>
    /// Capacity repair: a group that no allowed candidate can hold is cut where the most bytes are live, until every
    /// group fits (a single operator needs no buffer for intermediates).
    /// </summary>
    public void Repair(bool[] cuts)
    {
        int start = 0;
        for (int i = 0; i < _n; i++)
        {
            if (i != _n - 1 && !cuts[i]) continue;
            int count = i - start + 1;
            if (count > 1 && !Feasible(start, count))
            {
                cuts[WorstBoundary(start, count)] = true;
                i = start - 1; // re-scan from the group's start
                continue;
            }
            start = i + 1;
        }
    }

    private int WorstBoundary(int first, int count)
    {
        int last = first + count - 1, worst = first;
        double most = -1;
        for (int b = first; b < last; b++)
        {
            double live = 0;
            for (int p = first; p <= b; p++)
                if (_app.Chain[p].Consumers.Any(c => c > b && c <= last)) live += _app.Chain[p].OutputBytes;
            if (live > most) (most, worst) = (live, b);
        }
        return worst;
    }

    /// <summary>Memory genes seeded per group of the cut set (Mozart's roofline seed).</summary>
    public int[] SeedMemories(bool[] cuts)
    {
        var genes = new int[_n];
        foreach (var (first, count) in Plan(cuts, genes).Groups)
        {
            var seed = SeedMemory(first, count);
            for (int i = first; i < first + count; i++) genes[i] = seed;
        }
        return genes;
    }

    /// <summary>A plan's groups repaired to fit the allowed candidates, keeping each group's memory type.</summary>
    public FusionPlan Adapt(FusionPlan plan)
    {
        var cuts = new bool[Math.Max(0, _n - 1)];
        var genes = new int[_n];
        for (int i = 0; i < plan.Groups.Length; i++)
        {
            var (first, count) = plan.Groups[i];
            if (first + count - 1 < cuts.Length) cuts[first + count - 1] = true;
            for (int s = first; s < first + count; s++) genes[s] = plan.Memories[i];
        }
        var full = cuts.Append(true).ToArray();
        Repair(full);
        return Plan(full, genes);
    }

    /// <summary>
    /// Mozart's GA over cut points and memory genes (deterministic given the seed): tournament selection, uniform
    /// crossover, per-gene mutation, capacity repair, elitism. Seeds: every operator its own group, the greedy longest
    /// groups that fit, and random cut sets, all with roofline-seeded memories.
    /// </summary>
    public BasicPackage? Design(CancellationToken cancellation = default)
    {
        if (_n == 0) return null;
        var random = new Random(_options.Seed);
        var seen = new Dictionary<string, BasicPackage?>(StringComparer.Ordinal);
        double Fitness((bool[] Cuts, int[] Genes) x)
        {
            var plan = Plan(x.Cuts, x.Genes);
            if (!seen.TryGetValue(plan.Key, out var p)) seen[plan.Key] = p = Evaluate(plan);
            return p?.Metric(_options.Objective) ?? double.PositiveInfinity;
        }
        (bool[], int[]) Seeded(bool[] cuts)
        {
            cuts[_n - 1] = true;
            Repair(cuts);
            return (cuts, SeedMemories(cuts));
        }
        var population = new List<(bool[] Cuts, int[] Genes)>
        {
            Seeded([.. Enumerable.Repeat(true, _n)]),
            Seeded(new bool[_n]),
        };
        while (population.Count < _options.Population)
        {
            // Each random individual draws its own cut density, so the seeds span few to many groups.
            var density = random.NextDouble();
            population.Add(Seeded([.. Enumerable.Range(0, _n).Select(_ => random.NextDouble() < density)]));
        }

        for (int gen = 0; gen < _options.Generations; gen++)
        {
            cancellation.ThrowIfCancellationRequested();
            var scored = population.Select(x => (X: x, F: Fitness(x))).OrderBy(s => s.F).ToList();
            var next = new List<(bool[], int[])> { scored[0].X };
            (bool[] Cuts, int[] Genes) Pick()
            {
                var a = scored[random.Next(scored.Count)];
                var b = scored[random.Next(scored.Count)];
                return a.F <= b.F ? a.X : b.X;
            }
            while (next.Count < _options.Population)
            {
                var (pa, pb) = (Pick(), Pick());
                var cuts = new bool[_n];
                var genes = new int[_n];
                for (int i = 0; i < _n; i++)
                {
                    bool fromA = random.Next(2) == 0;
                    cuts[i] = fromA ? pa.Cuts[i] : pb.Cuts[i];
                    genes[i] = fromA ? pa.Genes[i] : pb.Genes[i];
                    if (random.NextDouble() < _options.Mutation / _n) cuts[i] = !cuts[i];
                }
                cuts[_n - 1] = true;
                // A group's memory is its first step's gene: mutate those, at the same expected count per child.
                var firsts = Enumerable.Range(0, _n).Where(i => i == 0 || cuts[i - 1]).ToArray();
                foreach (var f in firsts)
                    if (random.NextDouble() < _options.Mutation / firsts.Length)
                        for (int i = f; i < _n && (i == f || !cuts[i - 1]); i++) genes[i] = random.Next(_memories.Length);
                Repair(cuts);
                next.Add((cuts, genes));
            }
            population = next;
        }
        var winner = population.MinBy(Fitness);
        return seen[Plan(winner.Cuts, winner.Genes).Key];
    }

    /// <summary>Every cut set (2^(n−1)) with roofline-seeded memories: the exact optimum for tiny chains (tests).</summary>
    public BasicPackage? BruteForce()
    {
        BasicPackage? best = null;
        for (long mask = 0; mask < 1L << (_n - 1); mask++)
        {
            var cuts = Enumerable.Range(0, _n).Select(i => i == _n - 1 || (mask >> i & 1) == 1).ToArray();
            var plan = Plan(cuts, SeedMemories(cuts));
            if (plan.Groups.Any(g => g.Count > 1 && !Feasible(g.First, g.Count))) continue;
            if (Evaluate(plan) is { } p && (best is null || p.Metric(_options.Objective) < best.Metric(_options.Objective))) best = p;
        }
        return best;
    }
}
