using CsCheck;
using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Scoring;
using Tessera.Workloads;

namespace Tessera.Tests.Costs;

/// <summary>Invariants of the loop-nest model over random small operators (convs incl. strided and depthwise, GEMMs) and cores.</summary>
public class CostModelPropertyTests
{
    private static readonly OperandRole[] All = [OperandRole.Input, OperandRole.Weight, OperandRole.Output];

    /// <summary>A random operator; sizes from 1 to <paramref name="max"/>.</summary>
    internal static LoopNest RandomNest(Random r, int max)
    {
        int S() => r.Next(1, max + 1);
        return r.Next(3) switch
        {
            0 => LoopNests.Convolution("I", "W", "O", 1, 1, S(), S(), S(), S(), r.Next(1, 4), r.Next(1, 4),
                strideY: r.Next(1, 3), strideX: r.Next(1, 3), inputBits: 8, weightBits: 8, outputBits: r.Next(2) == 0 ? 8 : 16),
            1 => LoopNests.Convolution("I", "W", "O", 1, S(), 1, 1, S(), S(), r.Next(1, 4), r.Next(1, 4), strideY: r.Next(1, 3)),
            _ => LoopNests.MatMul("I", "W", "O", 1, S(), S(), S()),
        };
    }

    /// <summary>A random two-axis core: a per-PE weight register, a shared buffer, optionally a separate output buffer.</summary>
    internal static Core RandomCore(Random r, int rows, int cols, double capacityScale = 1, double bandwidth = 0)
    {
        double Bw() => bandwidth > 0 ? bandwidth : 8 << r.Next(0, 5);
        var flows = new[] { ("K", "C"), ("OX", "OY"), ("K", "OX"), ("C", "D") };
        var (d1, d2) = flows[r.Next(flows.Length)];
        var levels = new List<MemoryLevel>
        {
            new("w-reg", (long)(8 * r.Next(2, 9) * capacityScale), Bw(), Bw(), 0.01, 0.01, [OperandRole.Weight], []),
        };
        bool split = r.Next(2) == 0;
        if (split) levels.Add(new("o-buf", (long)(64 * r.Next(1, 9) * rows * cols * capacityScale), Bw(), Bw(), 0.1, 0.12, [OperandRole.Output], ["D1", "D2"]));
        levels.Add(new("buffer", (long)(256 * r.Next(1, 9) * rows * cols * capacityScale), Bw(), Bw(), 0.5, 0.6,
            split ? [OperandRole.Input, OperandRole.Weight] : [.. All], ["D1", "D2"]));
        return new Core("random", new PeArray([new ArrayAxis("D1", rows), new ArrayAxis("D2", cols)], 0.2, 8),
            new SpatialUnrolling("random", [new AxisUnrolling("D1", [(d1, rows)]), new AxisUnrolling("D2", [(d2, cols)])]), 1e9, [.. levels]);
    }

    internal static MemoryLevel Dram(double bitsPerCycle = 64) =>
        new("dram", long.MaxValue, bitsPerCycle, bitsPerCycle, 10, 10, [.. All], [], SharedReadWritePort: true);

    private static Core Grow(Core core, double factor) =>
        core with { Memories = [.. core.Memories.Select(m => m with { CapacityBits = (long)(m.CapacityBits * factor) })] };

    /// <summary>Runs <paramref name="check"/> on random cases, skipping cores too small for the unrolling (an input error).</summary>
    private static void ForAll(int iterations, Action<Random> check) =>
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            try { check(new Random(seed)); }
            catch (TesseraInputException) { /* unmappable by construction: covered by the hand-computed error test */ }
        }, iter: iterations, threads: 1);

    [Fact]
    public void Energy_cycles_and_offchip_accesses_respect_their_lower_bounds()
    {
        ForAll(300, r =>
        {
            var nest = RandomNest(r, 6);
            var core = RandomCore(r, r.Next(1, 5), r.Next(1, 5));
            var cost = LoopNestCostModel.Search(nest, core, Dram(), MappingSearchOptions.Default with { RandomSamples = 50 });
            Assert.True(cost.Energy.TotalPj >= nest.Macs * core.Array.MacEnergyPj * (1 - 1e-12));
            Assert.True(cost.Cycles >= (double)nest.Macs / core.Array.ProcessingElements * (1 - 1e-12));
            var dram = cost.Details!.Accesses.Where(a => a.Level == "dram").ToDictionary(a => a.Operand);
            foreach (var operand in nest.Operands)
            {
                var a = dram[operand.Role];
                double unique = TouchedElements(nest, operand);
                if (operand.Role == OperandRole.Output)
                    Assert.True(a.Writes - a.Reads >= unique - 1e-9, $"final output writes {a.Writes - a.Reads} < unique {unique}");
                else
                    Assert.True(a.Reads >= unique - 1e-9, $"{operand.Role} reads {a.Reads} < unique {unique}");
            }
        });
    }

    [Theory]
    [InlineData("energy")]
    [InlineData("latency")]
    [InlineData("edp")]
    public void The_best_mapping_never_gets_worse_when_on_chip_memory_grows(string objectiveName)
    {
        var objective = Objective.Parse(objectiveName);
        // Every ordering and every allocation: the mappings that fit a small memory all fit a larger one.
        var exhaustive = new MappingSearchOptions(objective, EnumerationLimit: int.MaxValue, RandomSamples: 0, AllAllocations: true);
        ForAll(60, r =>
        {
            var nest = RandomNest(r, 3);
            var core = RandomCore(r, r.Next(1, 3), r.Next(1, 3));
            if (new MappingProblem(nest, core, Dram()).PrimeLoops().Count > 5) return;
            var small = LoopNestCostModel.Search(nest, core, Dram(), exhaustive);
            var large = LoopNestCostModel.Search(nest, Grow(core, 1 + r.Next(1, 8)), Dram(), exhaustive);
            Assert.True(Score(large, objective) <= Score(small, objective) * (1 + 1e-12),
                $"{objective}: {Score(large, objective)} with more memory > {Score(small, objective)}");
        });
    }

    [Fact]
    public void A_larger_array_never_makes_a_compute_bound_operator_slower()
    {
        var exhaustive = new MappingSearchOptions(Objective.Latency, EnumerationLimit: int.MaxValue, RandomSamples: 0);
        ForAll(100, r =>
        {
            var nest = RandomNest(r, 4);
            int rows = r.Next(1, 4), cols = r.Next(1, 4);
            // Ample memory and bandwidth make the operator compute-bound; the same random choices build both cores.
            int seed = r.Next();
            var smallCore = RandomCore(new Random(seed), rows, cols, capacityScale: 1 << 12, bandwidth: 1e12);
            var largeCore = RandomCore(new Random(seed), rows + r.Next(0, 3), cols + r.Next(0, 3), capacityScale: 1 << 12, bandwidth: 1e12);
            var small = LoopNestCostModel.Search(nest, smallCore, Dram(1e12), exhaustive);
            var large = LoopNestCostModel.Search(nest, largeCore, Dram(1e12), exhaustive);
            Assert.True(large.Cycles <= small.Cycles + 1e-3, $"{large.Cycles} cycles on the larger array > {small.Cycles}");
        });
    }

    [Fact]
    public void The_search_is_deterministic_for_a_seed_and_memoised_by_value()
    {
        var r = new Random(7);
        var nest = LoopNests.Convolution("I", "W", "O", 1, 1, 16, 16, 14, 14, 3, 3);
        var core = Tessera.Hardware.Presets.HardwarePresets.CreateCore("eyeriss-like", Tessera.Technology.TechnologyLibrary.LoadDefault());
        var a = LoopNestCostModel.Search(nest, core, Dram(), MappingSearchOptions.Default with { EnumerationLimit = 50, Seed = 3 });
        var b = LoopNestCostModel.Search(nest, core, Dram(), MappingSearchOptions.Default with { EnumerationLimit = 50, Seed = 3 });
        Assert.Equal(a.Cycles, b.Cycles);
        Assert.Equal(a.Energy, b.Energy);
        Assert.Equal(string.Join(' ', a.Details!.Temporal.Loops), string.Join(' ', b.Details!.Temporal.Loops));

        // Equal shapes built separately share one cache entry.
        var model = new LoopNestCostModel();
        model.Evaluate(nest, core, Dram());
        model.Evaluate(LoopNests.Convolution("X", "Y", "Z", 1, 1, 16, 16, 14, 14, 3, 3), core with { }, Dram());
        Assert.Equal(1, model.CachedMappings);
        _ = r;
    }

    /// <summary>
    /// Elements an operand really touches: per axis the distinct values of Σ coefficient·index (a stride larger than the
    /// kernel skips rows, which <see cref="LoopOperand.UniqueElements"/>' span formula counts).
    /// </summary>
    private static double TouchedElements(LoopNest nest, LoopOperand operand)
    {
        double product = 1;
        foreach (var axis in operand.Axes)
        {
            var values = new HashSet<long> { 0 };
            foreach (var term in axis.Terms)
                values = [.. values.SelectMany(v => Enumerable.Range(0, (int)nest.Sizes[term.Dimension]).Select(i => v + term.Coefficient * i))];
            product *= values.Count;
        }
        return product;
    }

    private static double Score(OperatorCost cost, Objective objective) => objective.Score(cost.Cycles, cost.Energy.TotalPj);
}
