using System.Collections.Immutable;
using System.Globalization;
using Google.OrTools.Sat;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Simulation;

namespace Tessera.Search;

/// <summary>
/// Settings of the exact allocation: the objective (latency = makespan, energy, or edp = a weighted-sum proxy, see
/// <see cref="ExactAllocator"/>), the solver's wall-time limit, its worker count and seed, and the integer time unit
/// (durations are rounded down to it, so the model's makespan stays a lower bound of the streamed schedule).
/// </summary>
public sealed record ExactOptions(
    Objective? Objective = null,
    double TimeLimitSeconds = 10,
    int Workers = 2,
    int Seed = 1,
    double TimeUnitSeconds = 1e-9)
{
    /// <summary>The makespan unless given; energy and edp (a proxy) are the other objectives CP-SAT takes.</summary>
    public Objective Objective { get; init; } = (Objective ?? Objective.Latency)
        .Require("the exact allocation", Objective.Latency, Objective.Energy, Objective.Edp);
}

/// <summary>How the solver ended: proven optimal, a feasible incumbent with a gap, or nothing.</summary>
public enum ExactStatus { Optimal, Feasible, Infeasible, Unknown }

/// <summary>
/// The outcome: the solver's status, its objective and proven bound (model units: time units, pJ, or the proxy),
/// the gap (objective − bound) / objective, the model's makespan and energy of the allocation, the allocation as a
/// genome of the problem, and the simulator's result for that allocation (the numbers to report).
/// </summary>
public sealed record ExactResult(ExactStatus Status, Objective Objective, double ObjectiveValue, double Bound, double Gap,
    double ModelMakespanSeconds, double ModelEnergyJ, ImmutableArray<int> Genome,
    ImmutableDictionary<(string Model, string Operator), CoreRef> Allocation, SimulationResult Simulated,
    double WallSeconds, int Layers, int Cores);

/// <summary>One layer's cost on one allowed core, as the simulator would charge it when streaming without contention.</summary>
public sealed record LayerOption(CoreRef Core, long Duration, long EnergyPj);

/// <summary>One layer of the exact model: its model, name, producers (indices into the layer list) and options.</summary>
public sealed record ExactLayer(string Model, string Operator, ImmutableArray<int> Producers, ImmutableArray<LayerOption> Options);

/// <summary>
/// Exact layer-by-layer allocation with OR-Tools CP-SAT (Stream solves this with Gurobi; CP-SAT is free).
/// Variables: a boolean x[l,c] per layer and allowed core (exactly one true), a start per layer, and an optional
/// interval of the layer's fixed duration on c per (l, c), present iff x[l,c]; NoOverlap per core; a layer starts
/// after its producers end (no transfer delay: layer by layer streams everything through DRAM, which the duration
/// already holds). Durations and energies come from the simulator's own cost path (the cost model evaluated against
/// the chiplet's nearest memory device, <see cref="MemoryPath.StreamingSeconds"/>, plus the route's link
/// energy). The model has no DRAM or link contention, so its optimal makespan bounds the simulated latency of every
/// allocation from below (with or without contention). Objectives: makespan; energy (Σ per-layer energy, which
/// does not depend on the order); or, for edp, the weighted sum T·E₀ + E·T₀ with T₀ and E₀ the sums of each
/// layer's least duration and energy — the tangent of T·E at that point, a proxy, not the product.
/// The chosen allocation is then partitioned and simulated with the problem's simulation options.
/// </summary>
public sealed class ExactAllocator(AllocationProblem problem, ExactOptions? options = null)
{
    private readonly ExactOptions _options = options ?? new ExactOptions();

    /// <summary>The layers of every model with their per-core durations (time units) and energies (pJ).</summary>
    public ImmutableArray<ExactLayer> Layers()
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.Options.Mode != PartitionMode.LayerByLayer)
            throw new TesseraInputException($"the exact allocation models layer-by-layer partitions, not {Partitioners.Spelling(problem.Options.Mode)}");
        if (problem.Genes.Any(g => g.Operators.Length > 1))
            throw new TesseraInputException("the exact allocation assigns single layers; build the problem without layer stacks");
        if (!(_options.TimeUnitSeconds > 0)) throw new TesseraInputException($"time unit {_options.TimeUnitSeconds}; expected a positive duration");
        var package = problem.Package;
        var paths = MemoryPath.PerChiplet(package);
        var cores = CoreRef.All(package).ToDictionary(c => c.Ref, c => c.Core);
        var layers = ImmutableArray.CreateBuilder<ExactLayer>();
        foreach (var model in problem.Models)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var graph = model.Graph;
            foreach (var op in graph.Operators)
            {
                var producers = op.Inputs.Where(graph.Producers.ContainsKey).Select(t => index[graph.Producers[t].Name]).Distinct().ToImmutableArray();
                var choices = problem.AllowedCores(model, op).Select(c =>
                {
                    var core = cores.TryGetValue(c, out var k) ? k : throw new TesseraInputException($"{model.Label}/{op.Name} may run on core {c}, which the package lacks");
                    var path = paths[c.Chiplet];
                    var cost = problem.CostModel.Evaluate(graph, op, core, path.OffChipLevel(core));
                    double seconds = path.StreamingSeconds(cost, core);
                    double pj = cost.Energy.TotalPj + cost.OffChipBytes * 8.0 * path.LinkEnergyPerBitPj;
                    // Rounded down: the model stays a relaxation of the simulated schedule.
                    return new LayerOption(c, (long)Math.Floor(seconds / _options.TimeUnitSeconds), (long)Math.Floor(pj));
                }).ToImmutableArray();
                index[op.Name] = layers.Count;
                layers.Add(new ExactLayer(model.Label, op.Name, producers, choices));
            }
        }
        return layers.ToImmutable();
    }

    public ExactResult Run(CancellationToken cancellation = default)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var layers = Layers();
        if (_options.Workers < 1) throw new TesseraInputException($"workers {_options.Workers}; expected at least 1");
        if (!(_options.TimeLimitSeconds > 0)) throw new TesseraInputException($"time limit {_options.TimeLimitSeconds} s; expected a positive time");
        var model = new CpModel();
        long horizon = Math.Max(1, layers.Sum(l => l.Options.Max(o => o.Duration)));
        var x = new BoolVar[layers.Length][];
        var start = new IntVar[layers.Length];
        var end = new IntVar[layers.Length];
        var perCore = new Dictionary<CoreRef, List<IntervalVar>>();
        for (int l = 0; l < layers.Length; l++)
        {
            var options = layers[l].Options;
            x[l] = [.. options.Select((_, c) => model.NewBoolVar($"x{l}_{c}"))];
            model.AddExactlyOne(x[l]);
            start[l] = model.NewIntVar(0, horizon, $"s{l}");
            end[l] = model.NewIntVar(0, horizon, $"e{l}");
            model.Add(end[l] == start[l] + LinearExpr.WeightedSum(x[l], options.Select(o => o.Duration)));
            for (int c = 0; c < options.Length; c++)
            {
                var interval = model.NewOptionalFixedSizeIntervalVar(start[l], options[c].Duration, x[l][c], $"i{l}_{c}");
                if (!perCore.TryGetValue(options[c].Core, out var list)) perCore[options[c].Core] = list = [];
                list.Add(interval);
            }
            foreach (int p in layers[l].Producers) model.Add(start[l] >= end[p]);
        }
        foreach (var intervals in perCore.Values) model.AddNoOverlap(intervals);
        var makespan = model.NewIntVar(0, horizon, "makespan");
        model.AddMaxEquality(makespan, end);
        var energy = LinearExpr.Sum(layers.Select((layer, l) => LinearExpr.WeightedSum(x[l], layer.Options.Select(o => o.EnergyPj))));
        var objective = _options.Objective == Objective.Latency ? makespan
            : _options.Objective == Objective.Energy ? energy
            : EdpProxy(layers, makespan, energy);
        model.Minimize(objective);
        // The greedy schedule as a complete hint (cores, starts, makespan): the solver starts from a feasible point,
        // which large multi-model instances otherwise miss within a short time limit.
        var greedy = problem.Greedy();
        var freeLayer = FreeLayerIndices(layers);
        var (hintCore, hintStart) = GreedySchedule(layers, problem.Allocation(greedy));
        for (int l = 0; l < layers.Length; l++)
        {
            for (int c = 0; c < layers[l].Options.Length; c++) model.AddHint(x[l][c], c == hintCore[l] ? 1 : 0);
            model.AddHint(start[l], hintStart[l]);
            model.AddHint(end[l], hintStart[l] + layers[l].Options[hintCore[l]].Duration);
        }
        model.AddHint(makespan, layers.Select((layer, l) => hintStart[l] + layer.Options[hintCore[l]].Duration).DefaultIfEmpty(0).Max());

        var solver = new CpSolver
        {
            // interleave_search makes the parallel search deterministic; a fixed seed and worker count do the rest.
            StringParameters = string.Create(CultureInfo.InvariantCulture,
                $"max_time_in_seconds:{_options.TimeLimitSeconds} num_workers:{_options.Workers} random_seed:{_options.Seed} interleave_search:true"),
        };
        using var stop = cancellation.Register(solver.StopSearch);
        var status = solver.Solve(model);
        cancellation.ThrowIfCancellationRequested();
        var exactStatus = status switch
        {
            CpSolverStatus.Optimal => ExactStatus.Optimal,
            CpSolverStatus.Feasible => ExactStatus.Feasible,
            CpSolverStatus.Infeasible => ExactStatus.Infeasible,
            _ => ExactStatus.Unknown,
        };
        if (exactStatus is not (ExactStatus.Optimal or ExactStatus.Feasible))
            throw new InfeasibleException($"CP-SAT found no allocation within {_options.TimeLimitSeconds} s (status {status}); raise the time limit");

        var genome = problem.Genes.Select((gene, g) =>
        {
            var layer = layers[freeLayer[g]];
            int c = Enumerable.Range(0, layer.Options.Length).First(c => solver.BooleanValue(x[freeLayer[g]][c]));
            return gene.Allowed.IndexOf(layer.Options[c].Core);
        }).ToImmutableArray();
        double value = solver.ObjectiveValue, bound = solver.BestObjectiveBound;
        double gap = value > 0 ? Math.Max(0, (value - bound) / value) : 0;
        long energyPj = layers.Select((layer, l) => layer.Options.Where((_, c) => solver.BooleanValue(x[l][c])).Sum(o => o.EnergyPj)).Sum();
        var simulated = problem.Simulate(genome, cancellation);
        return new ExactResult(exactStatus, _options.Objective, value, bound, gap, solver.Value(makespan) * _options.TimeUnitSeconds,
            energyPj * 1e-12, genome, problem.Allocation(genome), simulated, started.Elapsed.TotalSeconds, layers.Length, perCore.Count);
    }

    /// <summary>
    /// The allocation list-scheduled in the greedy partitioner's order with the model's integer durations: each layer
    /// starts when its core is free and its producers have ended — a feasible point of the model.
    /// </summary>
    private (int[] Core, long[] Start) GreedySchedule(ImmutableArray<ExactLayer> layers,
        ImmutableDictionary<(string Model, string Operator), CoreRef> allocation)
    {
        var at = layers.Select((l, i) => (l, i)).ToDictionary(p => (p.l.Model, p.l.Operator), p => p.i);
        var core = new int[layers.Length];
        var start = new long[layers.Length];
        var end = new long[layers.Length];
        var free = new Dictionary<CoreRef, long>();
        var order = new LayerByLayerPartitioner(problem.CostModel, allocation).Place(problem.Package, problem.Models);
        foreach (var placed in order)
        {
            int l = at[(problem.Models[placed.Model].Label, placed.Operator.Name)];
            var options = layers[l].Options;
            core[l] = Math.Max(0, options.Select(o => o.Core).ToList().IndexOf(placed.Core));
            var option = options[core[l]];
            start[l] = Math.Max(free.GetValueOrDefault(option.Core), layers[l].Producers.Select(p => end[p]).DefaultIfEmpty(0).Max());
            free[option.Core] = end[l] = start[l] + option.Duration;
        }
        return (core, start);
    }

    /// <summary>For each gene of the problem, the index of its layer in <see cref="Layers"/>.</summary>
    private int[] FreeLayerIndices(ImmutableArray<ExactLayer> layers)
    {
        var at = layers.Select((l, i) => (l, i)).ToDictionary(p => (p.l.Model, p.l.Operator), p => p.i);
        return [.. problem.Genes.Select(g => at[(g.Model, g.Operator)])];
    }

    /// <summary>T·E₀ + E·T₀ with both weights scaled to at most 10⁴ so the sum stays far from 64-bit overflow.</summary>
    private static LinearExpr EdpProxy(ImmutableArray<ExactLayer> layers, IntVar makespan, LinearExpr energy)
    {
        double t0 = Math.Max(1, layers.Sum(l => l.Options.Min(o => o.Duration)));
        double e0 = Math.Max(1, layers.Sum(l => l.Options.Min(o => o.EnergyPj)));
        double scale = Math.Max(t0, e0) / 1e4;
        long wT = Math.Max(1, (long)Math.Round(e0 / scale)), wE = Math.Max(1, (long)Math.Round(t0 / scale));
        return makespan * wT + energy * wE;
    }
}
