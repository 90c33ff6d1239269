using Tessera.Ecosystem;
using Tessera.Scoring;
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
            Assert.True(s.BufferDemandBytes <= s.Chiplet.GlobalBufferBytes, $"group at {s.First} overflows {s.Design}");
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
    public void Energy_counts_leakage_over_the_period_and_the_bits_each_stage_receives_over_die_to_die_links()
    {
        // 0 → 1 → 2 with a skip 0 → 2: a cut after each step makes three stages on one design.
        long[] outputs = [6 * MiB, 5 * MiB, 1 * MiB];
        var d = Designer(1, outputs, [true, false, false], Objective.Energy);
        var basic = d.Evaluate(new FusionPlan([(0, 1), (1, 1), (2, 1)], [0, 0, 0]))!;
        // UCIe advanced: 0.3 pJ/bit to each chiplet of the receiving stage. Stage 1 receives step 0's 6 MiB; stage 2
        // receives step 1's 5 MiB and, over the skip, step 0's 6 MiB again.
        const double PjPerBit = 0.3e-12;
        Assert.Equal(0, basic.Stages[0].LinkJ);
        Assert.Equal(6.0 * MiB * 8 * PjPerBit * basic.Stages[1].TensorParallel, basic.Stages[1].LinkJ, 15);
        Assert.Equal(11.0 * MiB * 8 * PjPerBit * basic.Stages[2].TensorParallel, basic.Stages[2].LinkJ, 15);
        // Every chiplet leaks for one period per inference.
        var expected = basic.Stages.Sum(s => s.DynamicJ + s.LinkJ + s.LeakageW * basic.PeriodSeconds);
        Assert.Equal(expected, basic.EnergyJ, 12);
        Assert.All(basic.Stages, s => Assert.Equal(s.TensorParallel * s.Chiplet.LeakageW, s.LeakageW, 15));
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
