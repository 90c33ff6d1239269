using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Tests.Cli;
using Tessera.Workloads;

namespace Tessera.Tests.Chiplets;

public sealed class CandidateTests : IDisposable
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();
    private const long MiB = 1024 * 1024;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tessera-cache-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Counts cost-model evaluations (thread-safe: the profiler evaluates in parallel).</summary>
    /// <summary>Counts evaluations; with <paramref name="failAfter"/> the evaluations after that many throw (a run killed mid-way).</summary>
    private sealed class CountingModel(IOperatorCostModel inner, int failAfter = int.MaxValue) : IOperatorCostModel
    {
        private int _calls;
        public int Calls => _calls;
        public string Name => inner.Name;
        public string Identity => inner.Identity;

        public OperatorCost Evaluate(LoopNest nest, Core core, MemoryLevel offChip) => Count() ? inner.Evaluate(nest, core, offChip) : throw new TimeoutException("killed");

        public OperatorCost Evaluate(VectorWork work, Core core, MemoryLevel offChip) => Count() ? inner.Evaluate(work, core, offChip) : throw new TimeoutException("killed");

        private bool Count() => Interlocked.Increment(ref _calls) <= failAfter;
    }

    private static CandidateKnobs Small(params int[] buffers) => new(
        ChipletTemplate.Mozart(Tech), [1, 2], [1], [.. buffers], ["14nm"]);

    [Fact]
    public void Generator_yields_the_grid_with_Mozart_sizes()
    {
        var knobs = Small(1, 4);
        var candidates = CandidateGenerator.Generate(Tech, knobs);
        // 3 templates × 2 width scales × 1 height scale × 2 buffers × 1 node.
        Assert.Equal(12, knobs.Count);
        Assert.Equal(12, candidates.Length);
        Assert.Equal(12, candidates.Select(c => c.Name).Distinct().Count());
        var ws = candidates.Where(c => c.Template.Dataflow == Dataflows.WeightStationary).ToList();
        Assert.Equal([64, 64, 128, 128], ws.Select(c => c.Width));
        Assert.All(ws, c => Assert.Equal(16 * 4 * c.Width, c.ProcessingElements));
        var rs = candidates.First(c => c.Template.Dataflow == Dataflows.RowStationary);
        Assert.Equal(64 * 64, rs.ProcessingElements);
        Assert.Equal([8 * MiB, 32 * MiB], candidates.Select(c => c.GlobalBufferBytes).Distinct().Order());
        Assert.Equal(8 * MiB * 8, candidates[0].Core.Memories[^1].CapacityBits);
        Assert.All(candidates, c =>
        {
            Assert.True(c.Area.TotalMm2 > 0 && c.Die.CostPerGoodDieUsd > 0 && c.Die.Yield is > 0 and < 1);
            Assert.Equal(CandidateGenerator.LeakageW(Tech, c.Area), c.LeakageW, 12);
            Assert.True(c.LeakageW > 0);
            Assert.Equal(c.LeakageW, c.Chiplet.StaticPowerW);
        });
        // A larger buffer costs more silicon.
        Assert.True(candidates[1].Area.TotalMm2 > candidates[0].Area.TotalMm2);
        Assert.Equal(192, CandidateKnobs.Mozart(Tech).Count);
        Assert.Equal(24, CandidateKnobs.Default(Tech).Count);
    }

    [Fact]
    public void A_larger_buffer_never_increases_the_best_energy_of_an_operator()
    {
        var model = new LoopNestCostModel();
        var profiler = new OperatorProfiler(Tech, model);
        var nest = LoopNests.MatMul("x", "w", "y", 1, 512, 1024, 1024, leftBits: 16, rightBits: 16, outputBits: 16);
        var shape = OperatorProfiler.ShapeOf(nest, "gemm");
        foreach (var template in ChipletTemplate.Mozart(Tech))
        {
            var small = profiler.Profile(CandidateGenerator.Create(Tech, template, 1, 1, 1, "14nm"), shape);
            var large = profiler.Profile(CandidateGenerator.Create(Tech, template, 1, 1, 4, "14nm"), shape);
            Assert.True(small.Feasible && large.Feasible);
            // The larger buffer holds every tiling the smaller one does; its per-bit energy is higher, so compare
            // off-chip energy, which the larger buffer can only reduce.
            Assert.True(large.OffChipPj <= small.OffChipPj * (1 + 1e-9), $"{template.Dataflow}: {large.OffChipPj} > {small.OffChipPj}");
        }
    }

    [Fact]
    public void Gemm_profile_equals_a_direct_cost_model_evaluation()
    {
        var model = new LoopNestCostModel();
        var profiler = new OperatorProfiler(Tech, model);
        var candidate = CandidateGenerator.Create(Tech, ChipletTemplate.Mozart(Tech)[0], 1, 1, 1, "14nm");
        var nest = LoopNests.MatMul("x", "w", "y", 1, 256, 768, 768, leftBits: 16, rightBits: 16, outputBits: 16);
        var profile = profiler.Profile(candidate, OperatorProfiler.ShapeOf(nest, "gemm"));
        var direct = new LoopNestCostModel().Evaluate(nest, candidate.Core, profiler.OffChip(candidate));
        Assert.Equal(OperatorProfile.From(direct), profile);
        Assert.Equal(direct.Cycles, profile.Cycles);
        Assert.Equal(direct.Energy.TotalPj, profile.EnergyPj, 6);
    }

    [Fact]
    public void A_run_that_dies_mid_way_keeps_what_it_profiled_in_the_cache()
    {
        var candidates = CandidateGenerator.Generate(Tech, Small(1, 4));
        var cache = new ProfileCache(Path.Combine(_dir, "killed.db"));
        var dying = new CountingModel(new RooflineCostModel(), failAfter: 150);
        Assert.ThrowsAny<Exception>(() => new OperatorProfiler(Tech, dying, cache).Profile(candidates, ["resnet18", "gpt2-small"]));

        // The next run evaluates only what the first did not finish: at least the 150 profiles done before it died.
        var next = new CountingModel(new RooflineCostModel());
        var table = new OperatorProfiler(Tech, next, new ProfileCache(cache.Path)).Profile(candidates, ["resnet18", "gpt2-small"]);
        Assert.True(table.FromCache >= 150, $"{table.FromCache} profiles survived");
        Assert.Equal(table.Shapes.Count * candidates.Length, table.FromCache + table.Evaluated);
    }

    [Fact]
    public void Second_run_reads_the_cache_and_evaluates_nothing()
    {
        var candidates = CandidateGenerator.Generate(Tech, new CandidateKnobs(ChipletTemplate.Mozart(Tech), [1], [1], [1], ["14nm"]));
        var cache = new ProfileCache(Path.Combine(_dir, "profiles.db"));
        var first = new CountingModel(new LoopNestCostModel());
        var one = new OperatorProfiler(Tech, first, cache).Profile(candidates, ["resnet18"]);
        Assert.True(first.Calls > 0);
        Assert.Equal(one.Shapes.Count * candidates.Length, one.Evaluated);

        var second = new CountingModel(new LoopNestCostModel());
        var two = new OperatorProfiler(Tech, second, new ProfileCache(cache.Path)).Profile(candidates, ["resnet18"]);
        Assert.Equal(0, second.Calls);
        Assert.Equal(0, two.Evaluated);
        Assert.Equal(one.Profiles.Count, two.FromCache);
        foreach (var (key, profile) in one.Profiles) Assert.Equal(profile, two.Profiles[key]);

        // A model with another identity (here another search seed) does not read those rows.
        var third = new CountingModel(new LoopNestCostModel(MappingSearchOptions.Default with { Seed = 2 }));
        Assert.NotEqual(second.Identity, third.Identity);
        new OperatorProfiler(Tech, third, cache).Profile(candidates, ["resnet18"]);
        Assert.Equal(first.Calls, third.Calls);
    }

    [Fact]
    public void Output_and_row_stationary_candidates_unroll_a_gemm_on_more_than_one_pe()
    {
        // The dataflow comes from Dataflows.Create, so an axis over output pixels takes a GEMM's rows or columns.
        var gemm = LoopNests.MatMul("x", "w", "y", 1, 256, 768, 768, leftBits: 16, rightBits: 16, outputBits: 16);
        foreach (var template in ChipletTemplate.Mozart(Tech))
        {
            var core = CandidateGenerator.Create(Tech, template, 1, 1, 1, "14nm").Core;
            var parallel = core.Dataflow.Axes.SelectMany(a => a.For(gemm)).Aggregate(1, (p, f) => p * f.Factor);
            Assert.True(parallel > 1, $"{template.Dataflow}: a GEMM runs on {parallel} PE(s)");
            if (template.Dataflow != Dataflows.WeightStationary)
                Assert.Contains(core.Dataflow.Axes, a => !a.Alternates.IsDefaultOrEmpty);
        }
    }

    [Fact]
    public void Cache_key_and_version_change_with_the_gemm_unrolling()
    {
        // A cache filled before the GEMM alternates existed must not answer for the candidates that have them.
        var profiler = new OperatorProfiler(Tech, new LoopNestCostModel());
        var os = CandidateGenerator.Create(Tech, ChipletTemplate.Mozart(Tech)[1], 1, 1, 1, "14nm");
        var withoutAlternates = os with
        {
            Chiplet = os.Chiplet with
            {
                Cores = [os.Core with { Dataflow = os.Core.Dataflow with { Axes = [.. os.Core.Dataflow.Axes.Select(a => a with { Alternates = default })] } }],
            },
        };
        Assert.NotEqual(profiler.Key(os), profiler.Key(withoutAlternates));
        Assert.StartsWith("loopnest-4|", profiler.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void Cache_key_changes_when_the_candidate_changes()
    {
        var profiler = new OperatorProfiler(Tech, new LoopNestCostModel());
        var template = ChipletTemplate.Mozart(Tech)[1];
        var a = CandidateGenerator.Create(Tech, template, 1, 1, 1, "14nm");
        Assert.Equal(profiler.Key(a), profiler.Key(CandidateGenerator.Create(Tech, template, 1, 1, 1, "14nm")));
        Assert.NotEqual(profiler.Key(a), profiler.Key(CandidateGenerator.Create(Tech, template, 1, 1, 4, "14nm")));
        Assert.NotEqual(profiler.Key(a), profiler.Key(CandidateGenerator.Create(Tech, template, 2, 1, 1, "14nm")));
        Assert.NotEqual(profiler.Key(a), profiler.Key(CandidateGenerator.Create(Tech, template, 1, 1, 1, "7nm")));
        Assert.NotEqual(profiler.Key(a), profiler.Key(CandidateGenerator.Create(Tech, ChipletTemplate.Mozart(Tech)[2], 1, 1, 1, "14nm")));
        var slower = a with { Chiplet = a.Chiplet with { Cores = [a.Core with { FrequencyHz = a.Core.FrequencyHz / 2 }] } };
        Assert.NotEqual(profiler.Key(a), profiler.Key(slower));
    }

    [Fact]
    public void Cli_candidates_json_exits_zero()
    {
        var path = Path.Combine(_dir, "cli.db");
        var run = CliRunner.Run("candidates", "--suite", "resnet18", "--cache", path, "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        var json = run.Json;
        Assert.Equal(24, json.GetProperty("candidates").GetArrayLength());
        var model = json.GetProperty("models")[0];
        Assert.Equal("resnet18", model.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(model.GetProperty("bestByEnergy").GetProperty("candidate").GetString()));
        Assert.True(File.Exists(path));
    }
}
