using System.Collections.Immutable;
using System.Diagnostics;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Simulation;
using Tessera.Workloads;

namespace Tessera.Search.Scar;

/// <summary>
/// Multi-model scheduling after SCAR (Odema et al., MICRO 2024) in four nested steps: time windows from expected
/// layer latencies, chiplet provisioning per model and window, per-model segmentation (top-k by the layer table) and
/// placement of segments on paths of adjacent chiplets. Every combination of the kept segmentations (and one with
/// every model on a single chiplet) is placed and then simulated — the window's task graph is the pipelined partition
/// of its layers with those segments — so the simulator, not the table, decides. Windows are package-wide
/// barriers: scenario latency and energy are sums over windows, and the per-window choice is made for the scenario
/// objective (and the latency limits) by coordinate descent over the simulated candidates. Seeded and deterministic;
/// the table and the candidates are evaluated in parallel, so the cost model must be thread-safe (both built-in ones are).
/// </summary>
public sealed class ScarSearch
{
    private readonly Package _package;
    private readonly ImmutableArray<ModelInstance> _models;
    private readonly IOperatorCostModel _costModel;
    private readonly ScarOptions _options;
    private readonly SimulationOptions _simulation;

    /// <summary>The objectives candidates are generated for: latency, energy, EDP, and the goal when it is an expression.</summary>
    private readonly ImmutableArray<Objective> _objectives;

    public ScarSearch(Package package, IReadOnlyList<ModelInstance> models, IOperatorCostModel costModel, ScarOptions? options = null,
        SimulationOptions? simulation = null)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(costModel);
        (_package, _models, _costModel) = (package, [.. models], costModel);
        _options = options ?? new ScarOptions();
        _simulation = simulation ?? new SimulationOptions();
        _options.Validate();
        _objectives = [.. new[] { Objective.Latency, Objective.Energy, Objective.Edp, _options.Goal }.DistinctBy(o => o.Name)];
        if (_models.IsEmpty) throw new TesseraInputException("the scenario has no models; expected at least one");
        foreach (var model in (_options.LatencyLimits ?? ImmutableDictionary<string, double>.Empty).Keys)
            if (!_models.Any(m => m.Label == model))
                throw new TesseraInputException($"latency limit for '{model}', which is no model of the scenario; expected one of {string.Join(", ", _models.Select(m => m.Label))}");
    }

    /// <summary>One simulated candidate of a window: per active model its cuts and chiplet path.</summary>
    private sealed record Candidate(ImmutableArray<int> Active, ImmutableArray<int> Provisioned, ImmutableArray<ImmutableArray<int>> Cuts,
        ImmutableArray<ImmutableArray<int>> Paths)
    {
        public string Key => string.Join('|', Active.Select((m, i) => $"{m}:{string.Join(',', Cuts[i])}@{string.Join(',', Paths[i])}"));
    }


    private sealed record Simulated(Candidate Candidate, double Latency, double Energy, ImmutableArray<double> Ends, EvaluationResult Evaluation);

    public ScarResult Run(string scenario, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var table = new LayerCostTable(_package, _models, _costModel, _options.MiniBatches, _options.Layers);
        var windows = TimeWindows.Assign([.. table.ExpectedSeconds.Select(e => (IReadOnlyList<double>)e)], _options.Splits);
        var random = new Random(_options.Seed);
        var placement = new Placement(table, _options);
        int chiplets = _package.Chiplets.Length;
        var perWindow = new List<(int Index, ImmutableArray<LayerRange> Ranges, List<Simulated> Options)>();
        int simulations = 0;
        for (int w = 0; w < windows.Length; w++)
        {
            cancellation.ThrowIfCancellationRequested();
            var ranges = windows[w];
            var active = Enumerable.Range(0, _models.Length).Where(m => ranges[m].Count > 0).ToImmutableArray();
            if (active.IsEmpty) continue;
            string where = $"window {w + 1}: ";
            var weights = active.Select(m => table.ExpectedSeconds[m].Skip(ranges[m].First).Take(ranges[m].Count).Sum()).ToList();
            var provisions = _options.Provisioning == Provisioning.Exhaustive
                ? ChipletProvisioning.Exhaustive(active.Length, chiplets, where).ToList()
                : [ChipletProvisioning.Proportional(weights, chiplets, where)];
            var candidates = new Dictionary<string, Candidate>(StringComparer.Ordinal);
            var topK = new Dictionary<(string, int, int), ImmutableArray<SegmentationCandidate>>();
            // The same candidates whatever the objective (the union over latency, energy, EDP and the goal), so that
            // runs with different objectives choose from one set and compare fairly.
            foreach (var goal in _objectives)
            {
                var byGoal = _options with { Objective = goal };
                foreach (var provision in provisions)
                {
                    var lists = active.Select((m, i) =>
                    {
                        if (!topK.TryGetValue((goal.Name, m, provision[i]), out var list))
                            topK[(goal.Name, m, provision[i])] = list = Segmentation.TopK(table, m, ranges[m], provision[i], byGoal, random);
                        return list;
                    }).ToList();
                    // Many models make k^models combinations: the best-ranked ones (least summed rank) up to the limit.
                    var combos = Product(lists.Select(l => l.Length).ToList()).Select((c, order) => (c, order))
                        .OrderBy(x => x.c.Sum()).ThenBy(x => x.order).Take(_options.CombinationLimit);
                    foreach (var (combo, _) in combos)
                        Add(active, provision, [.. combo.Select((k, i) => lists[i][k].Cuts)], goal);
                }
            }
            // Every model on one chiplet: the Standalone schedule of the window is always among the candidates.
            foreach (var goal in _objectives)
                Add(active, [.. active.Select(_ => 1)], [.. active.Select(m => ImmutableArray.Create(ranges[m].First, ranges[m].End))], goal);
            if (candidates.Count == 0)
                throw new InfeasibleException($"{where}no placement of {active.Length} models on {chiplets} chiplets; expected adjacent chiplets for each model's segments");

            var list = candidates.Values.ToList();
            var simulated = new Simulated[list.Count];
            var slices = active.ToDictionary(m => m, m => WindowSlice.Of(_models[m], table.Operators(m, ranges[m])));
            int done = 0;
            Parallel.For(0, list.Count, new ParallelOptions { CancellationToken = cancellation }, i =>
            {
                simulated[i] = Simulate(scenario, w, table, ranges, slices, list[i], cancellation);
                progress?.Report((w + Interlocked.Increment(ref done) / (double)list.Count) / windows.Length);
            });
            simulations += list.Count;
            perWindow.Add((w, ranges, [.. simulated]));

            void Add(ImmutableArray<int> activeModels, ImmutableArray<int> provision, ImmutableArray<ImmutableArray<int>> cuts, Objective goal)
            {
                var placed = placement.Place([.. activeModels.Select((m, i) => (m, cuts[i]))], random, goal);
                if (placed is null) return;
                var candidate = new Candidate(activeModels, provision, cuts, placed.Paths);
                candidates.TryAdd(candidate.Key, candidate);
            }
        }
        var choice = Choose(perWindow.Select(p => p.Options).ToList(), perWindow.Select(p => p.Ranges).ToList());
        return Report(scenario, table, perWindow, choice, simulations, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Simulates a candidate; its ranges and cuts are in the table's layers, the window slices in operators.</summary>
    private Simulated Simulate(string scenario, int window, LayerCostTable table, ImmutableArray<LayerRange> ranges,
        Dictionary<int, ModelInstance> windowSlices, Candidate candidate, CancellationToken cancellation)
    {
        var slices = new List<ModelInstance>();
        var segments = ImmutableDictionary.CreateBuilder<string, ImmutableArray<PipelineSegment>>(StringComparer.Ordinal);
        for (int i = 0; i < candidate.Active.Length; i++)
        {
            int m = candidate.Active[i];
            slices.Add(windowSlices[m]);
            var cuts = candidate.Cuts[i].Select(cut => table.OperatorOf(m, cut)).ToArray();
            int first = table.OperatorOf(m, ranges[m].First);
            segments[_models[m].Label] = [.. candidate.Paths[i].Select((c, s) =>
                new PipelineSegment(new CoreRef(_package.Chiplets[c].Id, 0), cuts[s] - first, cuts[s + 1] - cuts[s]))];
        }
        var graph = new PipelinedPartitioner(_costModel, _options.MiniBatches, segments.ToImmutable()).Partition(_package, slices);
        var result = new Simulator(_costModel).Simulate($"{scenario} window {window + 1}", _package, graph, _simulation, cancellation).Evaluation;
        var ends = candidate.Active.Select(m => result.Models.First(r => r.Model == _models[m].Label).LatencySeconds).ToImmutableArray();
        return new Simulated(candidate, result.LatencySeconds, result.Energy.TotalJ, ends, result);
    }

    /// <summary>
    /// Picks one simulated candidate per window: start from each window's best alone, then sweep the windows, each
    /// time taking the candidate that minimises (total latency-limit violation, objective of the totals) with the other
    /// windows fixed, until nothing changes.
    /// </summary>
    private int[] Choose(List<List<Simulated>> windows, List<ImmutableArray<LayerRange>> ranges)
    {
        var goal = _options.Goal;
        var limits = (_options.LatencyLimits ?? ImmutableDictionary<string, double>.Empty)
            .Select(l => (Model: _models.IndexOf(_models.First(m => m.Label == l.Key)), Limit: l.Value)).ToArray();
        (double Violation, double Score) Evaluate(int[] p)
        {
            double latency = 0, energy = 0;
            for (int w = 0; w < windows.Count; w++) (latency, energy) = (latency + windows[w][p[w]].Latency, energy + windows[w][p[w]].Energy);
            double violation = 0;
            foreach (var (model, limit) in limits)
                violation += Math.Max(0, ModelLatency(windows, ranges, p, model) - limit);
            return (violation, goal.Score(latency, energy));
        }
        static bool Better((double Violation, double Score) a, (double Violation, double Score) b) =>
            a.Violation < b.Violation - 1e-15 || (a.Violation <= b.Violation + 1e-15 && a.Score < b.Score);
        int[]? bestPick = null;
        (double Violation, double Score) best = (double.PositiveInfinity, double.PositiveInfinity);
        // Start from each window's best by the goal, by latency and by energy: the result is never worse by the goal
        // than the schedule a latency or energy run would pick from the same candidates.
        foreach (var start in _objectives)
        {
            var pick = windows.Select(o => Enumerable.Range(0, o.Count).MinBy(i => start.Score(o[i].Latency, o[i].Energy))).ToArray();
            var score = Evaluate(pick);
            for (bool changed = true; changed;)
            {
                changed = false;
                for (int w = 0; w < windows.Count; w++)
                    for (int i = 0; i < windows[w].Count; i++)
                    {
                        if (i == pick[w]) continue;
                        int was = pick[w];
                        pick[w] = i;
                        var next = Evaluate(pick);
                        if (Better(next, score)) (score, changed) = (next, true);
                        else pick[w] = was;
                    }
            }
            if (bestPick is null || Better(score, best)) (best, bestPick) = (score, pick);
        }
        return bestPick!;
    }

    /// <summary>A model's latency: the windows before its last active one, then its end inside that window.</summary>
    private static double ModelLatency(List<List<Simulated>> windows, List<ImmutableArray<LayerRange>> ranges, int[] pick, int model)
    {
        double start = 0, latency = 0;
        for (int w = 0; w < windows.Count; w++)
        {
            var chosen = windows[w][pick[w]];
            int slot = chosen.Candidate.Active.IndexOf(model);
            if (slot >= 0 && ranges[w][model].Count > 0) latency = start + chosen.Ends[slot];
            start += chosen.Latency;
        }
        return latency;
    }

    private ScarResult Report(string scenario, LayerCostTable table, List<(int Index, ImmutableArray<LayerRange> Ranges, List<Simulated> Options)> perWindow,
        int[] pick, int simulations, double wallSeconds)
    {
        var windows = perWindow.Select(p => p.Options).ToList();
        var ranges = perWindow.Select(p => p.Ranges).ToList();
        var limits = _options.LatencyLimits ?? ImmutableDictionary<string, double>.Empty;
        var latencies = _models.Select((m, i) => new ScarModelLatency(m.Label, ModelLatency(windows, ranges, pick, i),
            limits.TryGetValue(m.Label, out var limit) ? limit : null)).ToImmutableArray();
        foreach (var model in latencies.Where(l => _options.EnforceLimits && l.LimitSeconds is { } limit && l.LatencySeconds > limit * (1 + 1e-12)))
        {
            // The best this model can do alone: the fastest windows before its last one, then its fastest end there.
            int index = _models.IndexOf(_models.First(m => m.Label == model.Model));
            double best = 0;
            for (int w = 0; w < windows.Count; w++)
            {
                var own = windows[w].Where(s => s.Candidate.Active.Contains(index)).ToList();
                bool last = ranges[w][index].Count > 0 && Enumerable.Range(w + 1, windows.Count - w - 1).All(v => ranges[v][index].Count == 0);
                if (last) { best += own.Min(s => s.Ends[s.Candidate.Active.IndexOf(index)]); break; }
                best += windows[w].Min(s => s.Latency);
            }
            throw new InfeasibleException($"latency limit of {model.Model} is {model.LimitSeconds:G4} s, but the best schedule found takes {best:G4} s " +
                $"(misses by {best - model.LimitSeconds!.Value:G4} s, {best / model.LimitSeconds.Value - 1:P1}); expected a limit of at least {best:G4} s");
        }
        var chosen = new List<ScarWindow>();
        for (int w = 0; w < windows.Count; w++)
        {
            var s = windows[w][pick[w]];
            var c = s.Candidate;
            var plans = c.Active.Select((m, i) => new ScarModelPlan(_models[m].Label, table.Operators(m, ranges[w][m]), c.Provisioned[i],
                [.. c.Paths[i].Select((chiplet, k) => Segment(_models[m], table.OperatorOf(m, c.Cuts[i][k]), table.OperatorOf(m, c.Cuts[i][k + 1]), chiplet))],
                s.Ends[i])).ToImmutableArray();
            chosen.Add(new ScarWindow(perWindow[w].Index, plans, s.Latency, s.Energy, windows[w].Count, s.Evaluation));
        }
        double latency = chosen.Sum(w => w.LatencySeconds), energy = chosen.Sum(w => w.EnergyJ);
        return new ScarResult(scenario, _package.Name, _options.Goal.Name, _options.Goal.Score(latency, energy), latency, energy,
            [.. chosen], latencies, simulations, wallSeconds);
    }

    private ScarSegment Segment(ModelInstance model, int first, int end, int chiplet)
    {
        var instance = _package.Chiplets[chiplet];
        var ops = model.Graph.Operators;
        return new ScarSegment(first, end - first, ops[first].Name, ops[end - 1].Name, instance.Id, instance.Design.Name,
            instance.Design.Cores[0].Dataflow.Name);
    }

    /// <summary>Every index combination of lists of the given lengths (the first list varies slowest).</summary>
    private static IEnumerable<int[]> Product(List<int> lengths)
    {
        var index = new int[lengths.Count];
        if (lengths.Any(l => l == 0)) yield break;
        while (true)
        {
            yield return (int[])index.Clone();
            int k = lengths.Count - 1;
            while (k >= 0 && ++index[k] == lengths[k]) index[k--] = 0;
            if (k < 0) yield break;
        }
    }
}
