using System.Collections.Immutable;
using System.Diagnostics;
using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Ecosystem;

/// <summary>What an ecosystem run does: the suite, the candidate grid, the metric, the seed and where profiles are cached.</summary>
public sealed record EcosystemRequest(ImmutableArray<string> Suite, bool FullGrid, Objective Objective, int Seed, string? CachePath,
    bool Simulate = true, int? MaxPool = null)
{
    /// <summary>The operator cost model that profiles the candidates and simulates the packages.</summary>
    public string CostModel { get; init; } = CostModels.Default;

    /// <summary>How dies and packaging are priced.</summary>
    public CostProfile CostProfile { get; init; } = CostProfile.Default;

    /// <summary>What the objective charges each application: Mozart's dies and memory, or the all-in unit cost.</summary>
    public CostBasis CostBasis { get; init; } = CostBasis.DiesAndMemory;
}

/// <summary>
/// A suite file: the applications and, optionally, the cost profile that prices their packages, the operator cost model
/// and the objective (command-line options override each).
/// </summary>
public sealed record SuiteFile(ImmutableArray<string> Suite, CostProfile? CostProfile, string? CostModel = null, Objective? Objective = null);

/// <summary>A baseline's packages (the same table model as the BASICs); without reuse each product pays its designs' NRE alone.</summary>
public sealed record BaselineResult(string Name, string Description, ImmutableArray<string> Designs, ImmutableArray<BasicPackage?> Packages,
    bool ReusesDesigns = true);

/// <summary>Geometric means over the suite of BASIC ÷ baseline, per metric (below 1: the ecosystem is better).</summary>
public sealed record BaselineRatios(string Baseline, double Energy, double EnergyCost, double Edp, double Edcp);

/// <summary>
/// The simulator's verdict on one application's BASIC package (one inference through the pipeline), with the size of
/// the package it simulated (the composed one, also floorplanned).
/// </summary>
public sealed record SimulatedPackage(string Application, double LatencySeconds, double EnergyJ, double StaticJ, int Chiplets,
    int Memories, int Links);

/// <summary>Everything an ecosystem run found, with timings.</summary>
public sealed record EcosystemResult(
    EcosystemRequest Request, ImmutableArray<ChipletCandidate> Candidates, int ProfilesEvaluated, int ProfilesFromCache,
    ImmutableArray<PoolCurvePoint> Curve, int GrowthK, PoolResult Pool, string PoolSource, PoolResult Grown, PoolResult Annealed,
    PoolResult? Exact, bool ExactOptimal, ImmutableArray<BaselineResult> Baselines, ImmutableArray<BaselineRatios> Ratios,
    ImmutableArray<FleetCost> Fleets, ImmutableArray<ComposedPackage?> Composed, ImmutableArray<SimulatedPackage> Simulated,
    ImmutableDictionary<string, double> Seconds)
{
    /// <summary>Each application's package floorplan (null where it has none).</summary>
    public ImmutableArray<Floorplanning.Floorplan?> Floorplans => [.. Composed.Select(c => c?.Floorplan)];

    /// <summary>Whether every application's package passes the floorplanner's checks.</summary>
    public bool AllLegal => Composed.All(c => c is null || c.Legal);
}

/// <summary>Progress of a long run: the stage and the fraction of it done.</summary>
public readonly record struct EcosystemProgress(string Stage, double Fraction);

/// <summary>
/// The ecosystem flow: profile the suite on the candidates (cached), compose each application's BASIC, select
/// the pool (growth with Mozart's stop rule, annealing, exact CP-SAT), build the baselines and simulate the final packages.
/// </summary>
public static class EcosystemRunner
{
    /// <summary>The default suite: the zoo's CNNs and a transformer's prefill and decode, sized for minutes on 2 cores.</summary>
    public static ImmutableArray<string> DefaultSuite { get; } = ["resnet18", "resnet50", "mobilenetv2", "googlenet", "gpt2-small", "gpt2-small:decode"];

    public static EcosystemResult Run(TechnologyLibrary t, EcosystemRequest request, IProgress<EcosystemProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var seconds = ImmutableDictionary.CreateBuilder<string, double>();
        var clock = Stopwatch.StartNew();
        void Lap(string stage) { seconds[stage] = clock.Elapsed.TotalSeconds; clock.Restart(); }

        var knobs = request.FullGrid ? CandidateKnobs.Mozart(t) : CandidateKnobs.Default(t);
        var candidates = CandidateGenerator.Generate(t, knobs);
        var costModel = CostModels.Create(request.CostModel);
        var cache = request.CachePath is null ? null : new ProfileCache(request.CachePath);
        var profiler = new OperatorProfiler(t, costModel, cache);
        var table = profiler.Profile(candidates, request.Suite,
            new Progress(progress, "profiling operators"));
        Lap("profiling");

        var memories = MemoryOption.Mozart(t);
        var options = BasicOptions.Default(t, request.Objective, request.Seed, request.CostProfile) with { Basis = request.CostBasis };
        int done = 0;
        // Each application's fusion plan from the whole candidate set (designs sharing NRE over the suite).
        var full = new BasicPackage?[table.Models.Length];
        Parallel.For(0, table.Models.Length, new ParallelOptions { CancellationToken = cancellation }, a =>
        {
            full[a] = new BasicDesigner(t, table, table.Models[a], candidates, memories, options, _ => table.Models.Length).Design(cancellation);
            progress?.Report(new EcosystemProgress("fusion GA per application", (double)Interlocked.Increment(ref done) / table.Models.Length));
        });
        if (Array.FindIndex(full, p => p is null) is var missing and >= 0)
            throw new TesseraInputException($"application '{table.Models[missing].Name}' fits no candidate (an operator has no mapping on any)");
        var plans = full.Select(p => p!.Plan).ToImmutableArray();
        Lap("basic");

        var selection = new PoolSelection(t, table, table.Models, plans, memories, options);
        var maxK = Math.Min(request.MaxPool ?? (int)t.Value("ecosystem.pool_curve_max"), candidates.Length);
        var (curve, k) = selection.Grow(maxK, t.Value("ecosystem.growth_min_gain"), (int)t.Value("ecosystem.growth_patience"),
            new Progress(progress, "growing the pool"), cancellation);
        var grownPool = PoolSelection.GrownPool(curve, candidates, k);
        var grown = selection.Evaluate(grownPool);
        Lap("growth");
        var annealed = selection.Anneal(grownPool, (int)t.Value("ecosystem.annealing_steps"), t.Value("ecosystem.growth_min_gain"),
            request.Seed, cancellation);
        Lap("annealing");
        progress?.Report(new EcosystemProgress("exact selection (CP-SAT)", 0));
        var (exactPool, optimal) = selection.Exact(k, t.Value("ecosystem.exact_time_limit"));
        var exact = exactPool.Length > 0 ? selection.Evaluate(exactPool) : null;
        Lap("exact");
        var (pool, source) = new[] { (grown, "growth"), (annealed, "annealing"), (exact, "exact") }
            .Where(p => p.Item1 is not null).Select(p => (p.Item1!, p.Item2)).MinBy(p => p.Item1.Objective);

        var baselines = Baselines(t, table, plans, memories, options, selection);
        var ratios = baselines.Select(b => Ratios(pool, b)).ToImmutableArray();
        var fleets = baselines.Select(b => FleetCost.Of(b.Name, b.Packages, b.ReusesDesigns, options.Cost.Volume))
            .Prepend(FleetCost.Of("BASICs", pool.Packages, reuse: true, options.Cost.Volume)).ToImmutableArray();
        Lap("baselines");

        // One package per application: floorplanned and simulated as composed. The floorplan is reported, not
        // enforced: the table model chooses packages without one (see docs/ecosystem.md).
        var composed = pool.Packages.Select(p => p?.Compose(t)).ToImmutableArray();
        Lap("floorplan");
        var simulated = request.Simulate
            ? pool.Packages.Select((p, a) =>
            {
                cancellation.ThrowIfCancellationRequested();
                return Simulate(table.Models[a], p!, composed[a]!, costModel, cancellation);
            }).ToImmutableArray()
            : [];
        Lap("simulation");
        return new EcosystemResult(request, candidates, table.Evaluated, table.FromCache, curve, k, pool, source, grown, annealed, exact, optimal,
            baselines, ratios, fleets, composed, simulated, seconds.ToImmutable());
    }

    /// <summary>The three baselines (best homogeneous design, SCAR-style library, monolithic chips) in the same table model.</summary>
    public static ImmutableArray<BaselineResult> Baselines(TechnologyLibrary t, ProfileTable table, IReadOnlyList<FusionPlan> plans,
        IReadOnlyList<MemoryOption> memories, BasicOptions options, PoolSelection selection)
    {
        var n = table.Candidates.Length;
        var homogeneous = Enumerable.Range(0, n).Select(d => selection.Evaluate([d])).MinBy(r => r.Objective)!;
        var pes = (long)t.Value("ecosystem.scar_library_pes");
        // SCAR-style library: the 4096-PE chiplet of each template with the base buffer.
        var library = Enumerable.Range(0, n).Where(d => table.Candidates[d].ProcessingElements == pes)
            .GroupBy(d => table.Candidates[d].Template.Dataflow).Select(g => g.MinBy(d => table.Candidates[d].GlobalBufferBytes)).ToArray();
        var scar = selection.Evaluate(library);
        var monolithic = table.Models.Select((app, a) =>
        {
            var designer = new BasicDesigner(t, table, app, table.Candidates, memories, options, _ => 1);
            var plan = designer.Adapt(plans[a]);
            var split = Split(plan);
            bool Holds(int d) => plan.Groups.All(g => g.Count == 1 || designer.Candidates[d].GlobalBufferBytes >= designer.Demand(g.First, g.Count));
            return Enumerable.Range(0, designer.Candidates.Length)
                .Select(d => designer.Monolithic(Holds(d) ? plan : split, d))
                .Where(p => p is not null).MinBy(p => p!.Metric(options.Objective));
        }).ToImmutableArray();
        return
        [
            new("homogeneous", "the best single design for the whole suite, pipelined", homogeneous.Designs, homogeneous.Packages),
            new("scar-library", "a fixed library of 4096-PE WS/OS/RS chiplets (SCAR-style)", scar.Designs, scar.Packages),
            new("monolithic", "a bespoke monolithic chip per network, no reuse (NRE per network)",
                [.. monolithic.Select(p => p?.Stages[0].Design ?? "-")], monolithic, ReusesDesigns: false),
        ];
    }

    /// <summary>Every operator its own group (fits any design that runs each operator).</summary>
    private static FusionPlan Split(FusionPlan plan)
    {
        var groups = plan.Groups.SelectMany((g, i) => Enumerable.Range(g.First, g.Count).Select(s => ((s, 1), plan.Memories[i]))).ToList();
        return new FusionPlan([.. groups.Select(g => g.Item1)], [.. groups.Select(g => g.Item2)]);
    }

    /// <summary>Geometric means of BASIC ÷ baseline over the applications both can run.</summary>
    public static BaselineRatios Ratios(PoolResult pool, BaselineResult baseline)
    {
        var pairs = pool.Packages.Zip(baseline.Packages).Where(p => p.First is not null && p.Second is not null).ToList();
        double Mean(Func<BasicPackage, double> f) => pairs.Count == 0 ? double.NaN
            : Math.Exp(pairs.Average(p => Math.Log(f(p.First!) / f(p.Second!))));
        return new BaselineRatios(baseline.Name, Mean(p => p.EnergyJ), Mean(p => p.EnergyCost), Mean(p => p.Edp), Mean(p => p.Edcp));
    }

    /// <summary>
    /// Simulates one inference of an application on its composed BASIC package with the pipelined partitioner, segments =
    /// fusion groups, each on the first chiplet of its stage's group. A TP = 2 stage runs on that one chiplet (the
    /// partitioner has no per-segment tensor parallelism); its other chiplets and every memory module are in the package.
    /// </summary>
    public static SimulatedPackage Simulate(SuiteModel app, BasicPackage basic, ComposedPackage package, IOperatorCostModel costModel,
        CancellationToken cancellation = default)
    {
        var graph = app.Graph ?? throw new TesseraInputException($"application '{app.Name}' has no graph to simulate");
        var segments = ImmutableArray.CreateBuilder<PipelineSegment>();
        for (int s = 0; s < basic.Stages.Length; s++)
        {
            var stage = basic.Stages[s];
            var chiplet = package.Of(basic.Groups[stage.Group].Role).Chiplets[0].Id;
            int first = s == 0 ? 0 : app.Chain[stage.First].GraphIndex;
            int end = s == basic.Stages.Length - 1 ? graph.Operators.Length : app.Chain[basic.Stages[s + 1].First].GraphIndex;
            segments.Add(new PipelineSegment(new CoreRef(chiplet, 0), first, end - first));
        }
        var hardware = package.Package;
        var partitioner = new PipelinedPartitioner(costModel, 1,
            ImmutableDictionary<string, ImmutableArray<PipelineSegment>>.Empty.Add(app.Name, segments.ToImmutable()));
        var result = new Simulator(costModel).Simulate(app.Name, hardware, partitioner.Partition(hardware, [new ModelInstance(app.Name, graph, 1)]),
            cancellation: cancellation);
        var e = result.Evaluation;
        return new SimulatedPackage(app.Name, e.LatencySeconds, e.Energy.TotalJ, e.Energy.StaticJ, hardware.Chiplets.Length,
            hardware.Memories.Length, hardware.Links.Length);
    }

    /// <summary>
    /// Reads a suite file: a mapping with a list `suite:` of zoo names (name:decode for a transformer's decode) and an
    /// optional `cost_profile:`, `cost_model:` and `objective:`. Errors name file:line.
    /// </summary>
    public static SuiteFile LoadSuite(string path)
    {
        var (reader, root) = YamlReader.Load(path);
        reader.KnownKeys(root, "the suite", "suite", "cost_profile", "cost_model", "objective");
        T? Optional<T>(string key, Func<string, T> parse) where T : class =>
            YamlReader.Find(root, key) is { } node ? reader.Parsed(node, key, parse) : null;
        var profile = Optional("cost_profile", CostProfile.Parse);
        var costModel = Optional("cost_model", name => CostModels.Create(name).Name);
        var objective = Optional("objective", text => Objective.Parse(text).Require("the ecosystem", [.. Objective.Named]));
        if (YamlReader.Find(root, "suite") is not YamlSequenceNode list || list.Children.Count == 0)
            throw reader.Error(root, "expected 'suite:' with a list of zoo models (name or name:decode)");
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var item in list.Children)
        {
            if (item is not YamlScalarNode { Value: { Length: > 0 } name })
                throw reader.Error(item, "expected a zoo model name (name or name:decode)");
            try
            {
                var zoo = name.Split(':')[0].Trim();
                Workloads.Zoo.ModelZoo.Create(zoo);
                if (name.Contains(':', StringComparison.Ordinal) && name.Split(':')[1].Trim().ToLowerInvariant() is not ("prefill" or "decode"))
                    throw new TesseraInputException($"unknown phase in '{name}'; expected prefill or decode");
            }
            catch (TesseraInputException e)
            {
                throw reader.Error(item, e.Message);
            }
            names.Add(name.Trim());
        }
        return new SuiteFile(names.ToImmutable(), profile, costModel, objective);
    }

    private sealed class Progress(IProgress<EcosystemProgress>? sink, string stage) : IProgress<double>
    {
        public void Report(double value) => sink?.Report(new EcosystemProgress(stage, value));
    }
}
