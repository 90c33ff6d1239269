using System.Collections.Immutable;
using CsCheck;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search.Scar;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;
using Xunit.Abstractions;

namespace Tessera.Tests.Search;

/// <summary>The SCAR scheduler's four steps, its choice against baselines and brute force, its seed, and its input errors.</summary>
public class ScarSchedulerTests(ITestOutputHelper output)
{
    // ------------------------------------------------------------------ helpers

    /// <summary>A width × height mesh of test chiplets (optionally two designs in a checkerboard) with one DRAM device beside c0_0.</summary>
    internal static Package Grid(int width, int height, bool checkerboard = false)
    {
        var a = new Chiplet("a", [TestHardware.Core()], "28nm");
        var b = new Chiplet("b", [TestHardware.Core(rows: 2, cols: 8)], "28nm");
        var chiplets = Enumerable.Range(0, width * height)
            .Select(i => new ChipletInstance(Topologies.GridId(i % width, i / width), checkerboard && (i % width + i / width) % 2 == 1 ? b : a, i % width, i / width))
            .ToList();
        var links = Topologies.Mesh(width, height).Select(p => new Link(p.A, p.B, 1e11, 2, 1e-8)).ToList();
        links.Add(new Link("dram", "c0_0", 1e11, 2, 1e-8));
        return new Package($"grid{width}x{height}", chiplets, [new MemoryDevice("dram", "test", 5e10, 10, 1e-7, 1L << 34)], links);
    }

    private static ModelInstance Chain(string name, int layers, long m = 64) => new(name, TestHardware.MatMulChain(name, layers, m), 1);

    private static readonly Lazy<Package> Het = new(() => HardwareLoader.Load("scar-3x3-het", TechnologyLibrary.LoadDefault()));

    private static Package Preset(string name) => HardwareLoader.Load(name, TechnologyLibrary.LoadDefault());

    /// <summary>Two small language models (GPT-2 small, BERT-base batch 2) at sequence 32: scenario 1 of SCAR, shrunk for a test.</summary>
    private static readonly Lazy<ImmutableArray<ModelInstance>> Language = new(() =>
    [
        new("gpt2-small", ModelZoo.Create("gpt2-small", new ModelOptions(Batch: 1, SequenceLength: 32)), 1),
        new("bert-base", ModelZoo.Create("bert-base", new ModelOptions(Batch: 2, SequenceLength: 32)), 2),
    ]);

    private static readonly IOperatorCostModel CostModel = new LoopNestCostModel();

    // ------------------------------------------------------------------ step 1: windows

    [Fact]
    public void Windows_pack_layers_first_fit_by_expected_latency()
    {
        // Horizon 6 (model b), 3 windows of 2: a packs 1+1 | 1+1 | 1+1; b one layer of 2 per window.
        var windows = TimeWindows.Assign([new double[] { 1, 1, 1, 1, 1, 1 }, new double[] { 2, 2, 2 }], splits: 2);
        Assert.Equal(3, windows.Length);
        Assert.Equal([new LayerRange(0, 2), new LayerRange(2, 2), new LayerRange(4, 2)], windows.Select(w => w[0]));
        Assert.Equal([new LayerRange(0, 1), new LayerRange(1, 1), new LayerRange(2, 1)], windows.Select(w => w[1]));

        // Horizon 9 (b), 2 windows of 4.5: b's 1+1+1+1 fill window 1; 1 + 4 overflow into the last window, which is unbounded.
        // a = 2 + 2 fits 4.5, its third layer opens window 2.
        windows = TimeWindows.Assign([new double[] { 2, 2, 2 }, new double[] { 1, 1, 1, 1, 1, 4 }], splits: 1);
        Assert.Equal([new LayerRange(0, 2), new LayerRange(2, 1)], windows.Select(w => w[0]));
        Assert.Equal([new LayerRange(0, 4), new LayerRange(4, 2)], windows.Select(w => w[1]));

        // A layer longer than a window still lands in the window it opens; idle windows are empty ranges at the end.
        windows = TimeWindows.Assign([new double[] { 10, 1 }, new double[] { 1 }], splits: 2);
        Assert.Equal([new LayerRange(0, 1), new LayerRange(1, 1), new LayerRange(2, 0)], windows.Select(w => w[0]));
        Assert.Equal([new LayerRange(0, 1), new LayerRange(1, 0), new LayerRange(1, 0)], windows.Select(w => w[1]));
        Assert.Throws<TesseraInputException>(() => TimeWindows.Assign([new double[] { 1 }], -1));
    }

    // ------------------------------------------------------------------ step 2: provisioning

    [Fact]
    public void Proportional_provisioning_sums_to_the_chiplets_with_at_least_one_each()
    {
        // Spare 6 by weight 1:1:2 → 1.5, 1.5, 3 → floors 1, 1, 3; the remainder tie goes to the first model.
        Assert.Equal(new[] { 3, 2, 4 }, ChipletProvisioning.Proportional([1, 1, 2], 9).ToArray());
        Assert.Equal(new[] { 1, 1 }, ChipletProvisioning.Proportional([0, 5], 2).ToArray());
        Gen.Select(Gen.Int[1, 8], Gen.Int[0, 40]).SelectMany(p => Gen.Double[0, 100].Array[p.Item1].Select(w => (w, chiplets: p.Item1 + p.Item2)))
            .Sample(c =>
            {
                var counts = ChipletProvisioning.Proportional(c.w, c.chiplets);
                return counts.Sum() == c.chiplets && counts.All(n => n >= 1);
            }, iter: 500);
    }

    [Fact]
    public void Exhaustive_provisioning_enumerates_every_composition()
    {
        var splits = ChipletProvisioning.Exhaustive(3, 9).ToList();
        Assert.Equal(28, splits.Count); // C(8, 2)
        Assert.Equal(28, ChipletProvisioning.CompositionCount(3, 9));
        Assert.Equal(splits.Count, splits.Select(s => string.Join(',', s)).Distinct().Count());
        Assert.All(splits, s => Assert.True(s.Sum() == 9 && s.All(n => n >= 1)));
        Assert.Equal(8, ChipletProvisioning.Exhaustive(2, 9).Count());
        Assert.Single(ChipletProvisioning.Exhaustive(4, 4));
        var error = Assert.Throws<InfeasibleException>(() => ChipletProvisioning.Proportional([1, 1, 1], 2, "window 1: "));
        Assert.Contains("3 models", error.Message);
        Assert.Contains("2 chiplets", error.Message);
    }

    // ------------------------------------------------------------------ steps 3 and 4: segmentation and placement

    [Fact]
    public void Segments_lie_on_adjacent_chiplets_and_no_chiplet_serves_two_models()
    {
        var cost = new RooflineCostModel();
        Gen.Select(Gen.Int[2, 3], Gen.Int[2, 3], Gen.Int[1, 3], Gen.Int[0, int.MaxValue], Gen.Bool).Sample((width, height, modelCount, seed, exhaustive) =>
        {
            var random = new Random(seed);
            var package = Grid(width, height, checkerboard: random.Next(2) == 0);
            var models = Enumerable.Range(0, modelCount).Select(i => Chain($"m{i}", random.Next(1, 6), 16L << random.Next(0, 3))).ToList();
            var table = new LayerCostTable(package, models, cost);
            var options = new ScarOptions(Seed: seed, ExhaustiveChiplets: exhaustive ? 16 : 0);
            var placement = new Placement(table, options);
            int chiplets = package.Chiplets.Length;
            var provision = ChipletProvisioning.Proportional([.. models.Select(_ => random.NextDouble())], chiplets);
            var chosen = models.Select((m, i) =>
            {
                var top = Segmentation.TopK(table, i, new LayerRange(0, m.Graph.Operators.Length), provision[i], options, random);
                return (i, top[random.Next(top.Length)].Cuts);
            }).ToList();
            var placed = placement.Place(chosen, random);
            if (placed is null) return exhaustive ? false : true; // the evolutionary search may miss; exhaustive search must not
            var used = new HashSet<int>();
            for (int m = 0; m < chosen.Count; m++)
            {
                var path = placed.Paths[m];
                if (path.Length != chosen[m].Cuts.Length - 1) return false;
                for (int k = 1; k < path.Length; k++)
                    if (!placement.Neighbours(path[k - 1]).Contains(path[k])) return false;
                if (!path.All(used.Add)) return false;
            }
            return true;
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void Scheduler_windows_keep_chiplets_exclusive_and_segments_adjacent()
    {
        var package = Grid(3, 3, checkerboard: true);
        var models = new[] { Chain("a", 9), Chain("b", 6, 128), Chain("c", 4) };
        var result = new ScarSearch(package, models, new RooflineCostModel(), new ScarOptions(Splits: 2)).Run("three");
        var placement = new Placement(new LayerCostTable(package, models, new RooflineCostModel()), new ScarOptions());
        int Index(string id) => package.Chiplets.IndexOf(package.Chiplets.First(c => c.Id == id));
        foreach (var window in result.Windows)
        {
            var chiplets = window.Models.SelectMany(m => m.Segments.Select(s => s.Chiplet)).ToList();
            Assert.Equal(chiplets.Count, chiplets.Distinct().Count());
            foreach (var model in window.Models)
            {
                Assert.Equal(model.Layers.First, model.Segments[0].FirstOperator);
                Assert.Equal(model.Layers.End, model.Segments[^1].FirstOperator + model.Segments[^1].OperatorCount);
                for (int k = 1; k < model.Segments.Length; k++)
                    Assert.Contains(Index(model.Segments[k].Chiplet), placement.Neighbours(Index(model.Segments[k - 1].Chiplet)));
            }
        }
        Assert.Equal(result.Windows.Sum(w => w.LatencySeconds), result.LatencySeconds, 12);
        Assert.Equal(result.Windows.Sum(w => w.EnergyJ), result.EnergyJ, 12);
        // Every model's layers are covered once, window after window.
        foreach (var model in models)
            Assert.Equal(model.Graph.Operators.Length, result.Windows.SelectMany(w => w.Models).Where(m => m.Model == model.Label).Sum(m => m.Layers.Count));
    }

    [Fact]
    public void Node_cap_bounds_the_chiplets_a_model_spans()
    {
        var package = Grid(3, 3);
        var models = new[] { Chain("a", 8), Chain("b", 6, 128) };
        ScarResult Run(int? cap) => new ScarSearch(package, models, new RooflineCostModel(),
            new ScarOptions(Splits: 0, NodeCap: cap, MiniBatches: 8, Objective: Objective.Latency)).Run("cap");
        Assert.Contains(Run(null).Windows.SelectMany(w => w.Models), m => m.Segments.Length > 2);
        Assert.All(Run(2).Windows.SelectMany(w => w.Models), m => Assert.InRange(m.Segments.Length, 1, 2));
        Assert.All(Run(1).Windows.SelectMany(w => w.Models), m => Assert.Single(m.Segments));
    }

    // ------------------------------------------------------------------ against baselines, objectives and brute force

    [Fact]
    public void On_scar_3x3_het_the_schedule_is_never_worse_than_the_baselines_in_its_space()
    {
        var models = Language.Value;
        var het = Het.Value;
        var ws = Preset("scar-3x3-ws");
        var os = Preset("scar-3x3-os");
        // One window: Standalone's schedule on scar-3x3-ws (a model on each of c0_0 and c2_0, both weight-stationary in the
        // checkerboard too) is one of the candidates SCAR simulates on scar-3x3-het, so SCAR's EDP cannot be higher.
        var one = new ScarSearch(het, models, CostModel, new ScarOptions(Splits: 0)).Run("language");
        var standaloneWs = Baselines.Run("language", BaselineKind.Standalone, ws, models, CostModel).Evaluation;
        var standaloneOs = Baselines.Run("language", BaselineKind.Standalone, os, models, CostModel).Evaluation;
        var simbaWs = Baselines.Run("language", BaselineKind.SimbaLike, ws, models, CostModel).Evaluation;
        var simbaOs = Baselines.Run("language", BaselineKind.SimbaLike, os, models, CostModel).Evaluation;
        var windows = new ScarSearch(het, models, CostModel).Run("language");
        output.WriteLine($"SCAR het 1 window: {one.LatencySeconds:G4} s, {one.EnergyJ:G4} J, EDP {one.Edp:G4}");
        output.WriteLine($"SCAR het 5 windows: {windows.LatencySeconds:G4} s, {windows.EnergyJ:G4} J, EDP {windows.Edp:G4}");
        foreach (var (name, e) in new[] { ("standalone ws", standaloneWs), ("standalone os", standaloneOs), ("simba ws", simbaWs), ("simba os", simbaOs) })
            output.WriteLine($"{name}: {e.LatencySeconds:G4} s, {e.Energy.TotalJ:G4} J, EDP {e.Edp:G4}");
        Assert.True(one.Edp <= standaloneWs.Edp * (1 + 1e-9), $"SCAR {one.Edp} vs standalone-ws {standaloneWs.Edp}");
        // Output-stationary baselines: every SCAR candidate may use the weight-stationary half of the package instead.
        Assert.True(one.Edp <= standaloneOs.Edp && one.Edp <= simbaOs.Edp);
        // Simba-like on scar-3x3-ws pipelines a model over adjacent weight-stationary chiplets; in the checkerboard no two
        // neighbours share a dataflow, so that schedule is outside SCAR's space on scar-3x3-het (docs/search.md) — not asserted.
    }

    [Fact]
    public void Edp_objective_is_never_worse_in_edp_than_the_latency_objective()
    {
        var models = Language.Value;
        var edp = new ScarSearch(Het.Value, models, CostModel, new ScarOptions(Objective: Objective.Edp)).Run("language");
        var latency = new ScarSearch(Het.Value, models, CostModel, new ScarOptions(Objective: Objective.Latency)).Run("language");
        var energy = new ScarSearch(Het.Value, models, CostModel, new ScarOptions(Objective: Objective.Energy)).Run("language");
        output.WriteLine($"edp run EDP {edp.Edp:G6}; latency run EDP {latency.Edp:G6}, latency {latency.LatencySeconds:G6} vs {edp.LatencySeconds:G6}");
        Assert.True(edp.Edp <= latency.Edp);
        Assert.True(edp.Edp <= energy.Edp);
        Assert.True(latency.LatencySeconds <= edp.LatencySeconds);
        Assert.True(energy.EnergyJ <= edp.EnergyJ);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_window_schedule_equals_the_brute_force_optimum_on_a_tiny_instance(bool grid)
    {
        // A 3-chiplet row (DRAM beside c0) or a 2×2 checkerboard of two designs (DRAM beside c0_0).
        var package = grid ? Grid(2, 2, checkerboard: true) : TestHardware.Row(3, linkPjPerBit: 5, dramBytesPerSecond: 5e10, linkLatencySeconds: 1e-8);
        var models = new[] { Chain("a", 3), Chain("b", 2, 128) };
        var cost = new RooflineCostModel();
        var options = new ScarOptions(Splits: 0, TopK: 100, Provisioning: Provisioning.Exhaustive);
        var result = new ScarSearch(package, models, cost, options).Run("tiny");

        // Every segmentation of both models onto disjoint simple paths of adjacent chiplets, simulated.
        var placement = new Placement(new LayerCostTable(package, models, cost), options);
        var paths = new List<int[]>();
        void Extend(List<int> path)
        {
            paths.Add([.. path]);
            foreach (var next in placement.Neighbours(path[^1]).Where(c => !path.Contains(c)))
                Extend([.. path, next]);
        }
        for (int start = 0; start < package.Chiplets.Length; start++) Extend([start]);
        IEnumerable<int[]> Cuts(int layers) => Enumerable.Range(1, layers).SelectMany(s => ChipletProvisioning.Exhaustive(s, layers)
            .Select(sizes => sizes.Aggregate(new List<int> { 0 }, (acc, n) => { acc.Add(acc[^1] + n); return acc; }).ToArray()));
        ImmutableArray<PipelineSegment> Segments(int[] cuts, int[] path) =>
            [.. path.Select((c, s) => new PipelineSegment(new CoreRef(package.Chiplets[c].Id, 0), cuts[s], cuts[s + 1] - cuts[s]))];
        double best = double.PositiveInfinity;
        int simulated = 0;
        foreach (var ca in Cuts(3))
            foreach (var cb in Cuts(2))
                foreach (var pa in paths.Where(p => p.Length == ca.Length - 1))
                    foreach (var pb in paths.Where(p => p.Length == cb.Length - 1 && !p.Intersect(pa).Any()))
                    {
                        var segments = ImmutableDictionary<string, ImmutableArray<PipelineSegment>>.Empty
                            .Add("a", Segments(ca, pa)).Add("b", Segments(cb, pb));
                        var graph = new PipelinedPartitioner(cost, 1, segments).Partition(package, models);
                        best = Math.Min(best, new Simulator(cost).Simulate("tiny", package, graph).Evaluation.Edp);
                        simulated++;
                    }
        double gap = result.Edp / best - 1;
        output.WriteLine($"{package.Name}: brute force {simulated} schedules, optimum EDP {best:G6}; SCAR EDP {result.Edp:G6} after {result.Simulations} simulations; gap {gap:P3}");
        Assert.Equal(0, gap, 9);
    }

    [Fact]
    public void Same_seed_gives_the_same_schedule()
    {
        var package = Grid(3, 3, checkerboard: true);
        var models = new[] { Chain("a", 8), Chain("b", 5, 128) };
        // Evolutionary placement (no exhaustive search) so that the seed matters.
        string Run(int seed) => Describe(new ScarSearch(package, models, new RooflineCostModel(), new ScarOptions(Seed: seed, ExhaustiveChiplets: 0)).Run("seeded"));
        Assert.Equal(Run(5), Run(5));
        Assert.Equal(Describe(new ScarSearch(Het.Value, Language.Value, CostModel).Run("language")),
            Describe(new ScarSearch(Het.Value, Language.Value, CostModel).Run("language")));
    }

    private static string Describe(ScarResult r) => $"{r.LatencySeconds:R} {r.EnergyJ:R} " + string.Join(" | ", r.Windows.Select(w =>
        string.Join(" ", w.Models.Select(m => $"{m.Model}:{string.Join(',', m.Segments.Select(s => $"{s.FirstOperator}+{s.OperatorCount}@{s.Chiplet}"))}"))));

    // ------------------------------------------------------------------ objectives and input errors

    [Fact]
    public void Objective_expressions_parse_and_score()
    {
        Assert.Equal(3 * 4, Objective.Parse("energy*latency^2").Score(2, 3));
        Assert.Equal(2 * (2 + 3.0) - 1, Objective.Parse(" 2 * (latency + energy) - 1 ").Score(2, 3));
        Assert.Equal(6, Objective.Parse("EDP").Score(2, 3));
        Assert.Equal(2.0 / 3, Objective.Parse("latency/energy").Score(2, 3), 12);
        Assert.Equal(-2 + 1.5e-3, Objective.Parse("-latency + 1.5e-3").Score(2, 3), 12);
        Assert.Same(Objective.Latency, Objective.Parse("latency"));
        foreach (var bad in new[] { "latency**2", "power", "(latency", "", "2 latency" })
            Assert.Contains("expected", Assert.Throws<TesseraInputException>(() => Objective.Parse(bad)).Message);
    }

    [Fact]
    public void A_latency_limit_no_schedule_meets_names_the_model_limit_and_miss()
    {
        var package = Grid(2, 2);
        var models = new[] { Chain("a", 4), Chain("b", 3) };
        var free = new ScarSearch(package, models, new RooflineCostModel(), new ScarOptions(Splits: 1)).Run("limits");
        double aLatency = free.Models.First(m => m.Model == "a").LatencySeconds;
        // A limit the free schedule meets is kept and reported.
        var loose = new ScarSearch(package, models, new RooflineCostModel(),
            new ScarOptions(Splits: 1, LatencyLimits: ImmutableDictionary<string, double>.Empty.Add("a", aLatency * 2))).Run("limits");
        Assert.Equal(aLatency * 2, loose.Models.First(m => m.Model == "a").LimitSeconds);
        Assert.True(loose.Models.First(m => m.Model == "a").LatencySeconds <= aLatency * 2);
        // A tenth of the free latency is out of reach: the message says who, the limit, the best found and the miss.
        double limit = aLatency / 10;
        var error = Assert.Throws<InfeasibleException>(() => new ScarSearch(package, models, new RooflineCostModel(),
            new ScarOptions(Splits: 1, LatencyLimits: ImmutableDictionary<string, double>.Empty.Add("a", limit))).Run("limits"));
        output.WriteLine(error.Message);
        Assert.Contains("latency limit of a is", error.Message);
        Assert.Contains($"{limit:G4} s", error.Message);
        var best = double.Parse(error.Message.Split("takes ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(best, limit * 2, aLatency * (1 + 1e-3));
        var miss = double.Parse(error.Message.Split("misses by ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(best - limit, miss, (best - limit) * 1e-3);
        Assert.Contains("unknown", Assert.Throws<TesseraInputException>(() => new ScarSearch(package, models, new RooflineCostModel(),
            new ScarOptions(LatencyLimits: ImmutableDictionary<string, double>.Empty.Add("unknown", 1)))).Message);
    }

    /// <summary>
    /// A cost model for which no mapping of any matrix product fits on the cores <paramref name="fits"/> refuses (as a
    /// fixed dataflow's pinned tiles can overflow a PE buffer); the roofline elsewhere.
    /// </summary>
    private sealed class NoMappingFits(Func<Core, bool>? fits = null) : IOperatorCostModel
    {
        private readonly RooflineCostModel _roofline = new();

        public NoMappingFits() : this(null) { }

        public string Name => "no-mapping-fits";

        public string Identity => Name;

        public OperatorCost Evaluate(LoopNest nest, Core core, MemoryLevel offChip) => fits?.Invoke(core) == true
            ? _roofline.Evaluate(nest, core, offChip)
            : throw new InfeasibleException($"no mapping of {nest} fits the memories of core '{core.Name}'");

        public OperatorCost Evaluate(VectorWork work, Core core, MemoryLevel offChip) => OperatorCost.Zero;
    }

    [Fact]
    public void A_layer_no_mapping_fits_on_one_design_runs_on_the_other()
    {
        // Checkerboard 2 × 2: designs a (4 × 4 PEs) and b (2 × 8); a maps nothing. Segments on a are estimated at infinity,
        // so every segment of the schedule runs on b, and the search stays feasible.
        var result = new ScarSearch(Grid(2, 2, checkerboard: true), [Chain("m", 6)], new NoMappingFits(core => core.Array.Axes[0].Size == 2),
            new ScarOptions(Splits: 2)).Run("s");
        var segments = result.Windows.SelectMany(w => w.Models).SelectMany(m => m.Segments).ToList();
        Assert.NotEmpty(segments);
        Assert.All(segments, s => Assert.Equal("b", s.Design));
        Assert.True(double.IsFinite(result.LatencySeconds) && result.LatencySeconds > 0);
    }

    [Fact]
    public void A_layer_no_mapping_fits_makes_the_search_infeasible_with_the_cost_models_reason()
    {
        // The cost table evaluates layers in parallel; the reason must come out as the infeasibility the runner reports
        // (a cell's "infeasible: ..."), not as the parallel loop's AggregateException, which crashed the experiment.
        var error = Assert.Throws<InfeasibleException>(() => new ScarSearch(Grid(2, 2), [Chain("a", 4)], new NoMappingFits(), new ScarOptions(Splits: 0)).Run("s"));
        Assert.Contains("no mapping of", error.Message);
    }

    [Fact]
    public void More_models_than_chiplets_is_infeasible()
    {
        var package = TestHardware.Row(2);
        var models = new[] { Chain("a", 2), Chain("b", 2), Chain("c", 2) };
        var standalone = Assert.Throws<InfeasibleException>(() => Baselines.Run("s", BaselineKind.Standalone, package, models, new RooflineCostModel()));
        Assert.Contains("3 models", standalone.Message);
        Assert.Contains("2 chiplets", standalone.Message);
        var scar = Assert.Throws<InfeasibleException>(() => new ScarSearch(package, models, new RooflineCostModel(), new ScarOptions(Splits: 0)).Run("s"));
        Assert.Contains("3 models", scar.Message);
        Assert.Contains("2 chiplets", scar.Message);
        var het = Assert.Throws<InfeasibleException>(() => Baselines.Run("s", BaselineKind.SimbaLike, Het.Value, Language.Value, CostModel));
        Assert.Contains("homogeneous", het.Message);
        // Single core takes any package and any number of models.
        var single = Baselines.Run("s", BaselineKind.SingleCore, package, models, new RooflineCostModel()).Evaluation;
        Assert.All(single.Placements, p => Assert.Equal("c0", p.Chiplet));
    }
}
