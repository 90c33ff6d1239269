using Tessera.Scoring;
using Tessera.Ecosystem;
using static Tessera.Tests.Ecosystem.EcosystemFixtures;

namespace Tessera.Tests.Ecosystem;

public sealed class BasicDesignerTests
{
    private static BasicDesigner Designer(int seed, long[] outputs, bool[]? skips, Objective metric, int memories = 1)
    {
        var candidates = Candidates();
        var (table, app) = Chain("tiny", outputs, skips, seed, candidates);
        return new BasicDesigner(Tech, table, app, candidates, [.. MemoryOption.Mozart(Tech).Take(memories)], Options(metric), _ => 1);
    }

    [Fact]
    public void Demand_counts_every_tensor_live_across_a_boundary()
    {
        // 0 → 1 → 2 with a skip 0 → 2: between steps 1 and 2 both outputs of 0 and 1 are live.
        var d = Designer(1, [3 * MiB, 5 * MiB, 1 * MiB], [true, false, false], Objective.Energy);
        Assert.Equal(0, d.Demand(0, 1));
        Assert.Equal(3 * MiB, d.Demand(0, 2));
        Assert.Equal(8 * MiB, d.Demand(0, 3));
        Assert.Equal(5 * MiB, d.Demand(1, 2));
    }

    [Theory]
    [InlineData(1, "energy")]
    [InlineData(2, "ec")]
    [InlineData(3, "edp")]
    [InlineData(4, "edcp")]
    public void Ga_groups_fit_their_buffer_cover_the_chain_and_match_brute_force(int seed, string objectiveName)
    {
        var metric = Objective.Parse(objectiveName);
        // Intermediates of 1–40 MiB: some groups fit 32 MiB buffers only, some fit none; 2^11 cut sets, so the
        // random first generation rarely holds the optimum.
        long[] outputs = [6 * MiB, 20 * MiB, 2 * MiB, 40 * MiB, 7 * MiB, 30 * MiB, 1 * MiB, 3 * MiB, 9 * MiB, 2 * MiB, 25 * MiB, 1 * MiB];
        var designer = Designer(seed, outputs, [false, true, false, false, true, false, false, true, false, false, false, false], metric);
        var ga = designer.Design()!;
        var brute = designer.BruteForce()!;
        int next = 0;
        foreach (var s in ga.Stages)
        {
            Assert.Equal(next, s.First);
            next += s.Count;
            Assert.True(s.BufferDemandBytes <= designer.Candidates[s.Candidate].GlobalBufferBytes, $"group at {s.First} overflows {s.Design}");
        }
        Assert.Equal(outputs.Length, next);
        Assert.Equal(brute.Metric(metric), ga.Metric(metric), 9);
    }

    [Fact]
    public void Repair_splits_a_group_no_buffer_holds()
    {
        var designer = Designer(1, [40 * MiB, 40 * MiB, 1 * MiB], null, Objective.Energy);
        var cuts = new[] { false, false, true };
        designer.Repair(cuts);
        Assert.Equal([true, true, true], cuts);
    }

    [Fact]
    public void Memory_seed_is_the_cheapest_type_meeting_the_bandwidth_demand()
    {
        var types = MemoryOption.Mozart(Tech);
        const double GBps = 1e9, GB = 1024.0 * 1024 * 1024;
        // 10 GB/s: every type meets it; LPDDR5 (one 4 GB module, $9.24) is cheapest.
        Assert.Equal("LPDDR5", types[MemoryOption.Cheapest(types, 1 * GB, 10 * GBps)].Type);
        // 100 GB/s: LPDDR5 (51.2) and DDR5 (70.4) fall short; GDDR7 (192 GB/s, one 2 GB module, $24) before HBM3 ($2640).
        Assert.Equal("GDDR7", types[MemoryOption.Cheapest(types, 1 * GB, 100 * GBps)].Type);
        // 1000 GB/s: only HBM3E (1229) meets it.
        Assert.Equal("HBM3E", types[MemoryOption.Cheapest(types, 1 * GB, 1000 * GBps)].Type);
        // 2000 GB/s: none does; the most bandwidth.
        Assert.Equal("HBM3E", types[MemoryOption.Cheapest(types, 1 * GB, 2000 * GBps)].Type);
        // 10 GB of data at 10 GB/s: three LPDDR5 modules ($27.72) beat two DDR5 modules ($70.08).
        Assert.Equal(3, types[0].Modules(10 * GB));
        Assert.Equal("LPDDR5", types[MemoryOption.Cheapest(types, 10 * GB, 10 * GBps)].Type);
    }
}

public sealed class BasicFloorplanTests
{
    [Fact]
    public void A_basic_package_is_built_with_every_tensor_parallel_chiplet_and_its_memory_and_floorplanned()
    {
        var candidates = Candidates();
        var (table, app) = Chain("tiny", [6 * MiB, 20 * MiB, 2 * MiB], null, 1, candidates);
        var basic = new BasicDesigner(Tech, table, app, candidates, [.. MemoryOption.Mozart(Tech).Take(1)], Options(Objective.EnergyCost), _ => 1)
            .Design()!;
        var package = BasicFloorplan.Build(Tech, candidates, basic);
        Assert.Equal(basic.Stages.Sum(s => s.TensorParallel), package.Chiplets.Length);
        Assert.Equal(basic.Stages.Sum(s => s.TensorParallel * s.MemoryModules), package.Memories.Length);
        var plan = BasicFloorplan.Plan(Tech, candidates, basic);
        // LPDDR5 is not stacked: every module sits on the board.
        Assert.Equal(package.Memories.Length, plan.OffPackageMemories.Length);
        Assert.Equal(package.Chiplets.Length, plan.Blocks.Count(b => b.Kind == Tessera.Floorplanning.BlockKind.Die));
    }

    [Fact]
    public void Too_many_stacked_memories_make_a_basic_package_illegal()
    {
        var candidates = Candidates();
        var (table, app) = Chain("tiny", [6 * MiB, 20 * MiB, 2 * MiB], null, 1, candidates);
        var basic = new BasicDesigner(Tech, table, app, candidates, [.. MemoryOption.Mozart(Tech).Take(1)], Options(Objective.EnergyCost), _ => 1)
            .Design()!;
        // 40 HBM3 stacks of 125 mm² each on one stage do not fit a CoWoS-S interposer.
        var crowded = basic with { Stages = [.. basic.Stages.Select(s => s with { Memory = "HBM3", MemoryModules = 40 })] };
        var plan = BasicFloorplan.Plan(Tech, candidates, crowded);
        Assert.False(plan.Legal);
        Assert.Contains(plan.Violations, v => v.Kind == Tessera.Floorplanning.ViolationKind.CarrierSize);
    }
}
