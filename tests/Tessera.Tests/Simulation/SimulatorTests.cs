using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Workloads;

namespace Tessera.Tests.Simulation;

public class SimulatorTests
{
    private const double Relative = 1e-9;
    private static readonly RooflineCostModel CostModel = new();
    private static readonly Simulator Simulator = new(CostModel);
    private static readonly SimulationOptions On = new(Contention: true), Off = new(Contention: false);

    private static EvaluationResult Run(Package package, TaskGraph graph, SimulationOptions options) =>
        Simulator.Simulate("test", package, graph, options).Evaluation;

    private static void Near(double expected, double actual) => Assert.Equal(expected, actual, Math.Abs(expected) * Relative + 1e-21);

    [Fact]
    public void Two_equal_transfers_over_one_link_take_twice_as_long_as_one()
    {
        var package = TestHardware.Row(2);
        const long bytes = 1_000_000; // 1 µs at the test link's 10^12 B/s
        TaskGraph Transfers(int count)
        {
            var b = new TaskGraphBuilder(PartitionMode.LayerByLayer, []);
            for (int i = 0; i < count; i++) b.Transfer($"t{i}", "m", new("c0", 0), new("c1", 0), bytes, []);
            return b.Build();
        }
        double one = Run(package, Transfers(1), On).LatencySeconds;
        Near(bytes / 1e12, one);
        var two = Run(package, Transfers(2), On);
        Near(2 * one, two.LatencySeconds);
        Near(one, two.WaitingSeconds); // the second waited for the first
        Assert.Equal(2, two.Resources.Single(r => r.Name == "c0→c1").Tasks);
        Near(1, two.Resources.Single(r => r.Name == "c0→c1").Utilisation);
        // Without contention the link carries both at once.
        Near(one, Run(package, Transfers(2), Off).LatencySeconds);
    }

    [Theory]
    [InlineData(3, 5)]
    [InlineData(4, 1)]
    [InlineData(1, 6)]
    public void A_pipeline_of_k_equal_stages_over_b_mini_batches_takes_k_plus_b_minus_1_stage_times(int k, int b)
    {
        var package = TestHardware.Row(k);
        var work = new VectorWork(1600, 0, 0); // 1600 operations on 16 PEs: 100 cycles = 100 ns
        double stage = 100e-9;
        var builder = new TaskGraphBuilder(PartitionMode.Pipelined, []);
        var ids = new int[k, b];
        for (int i = 0; i < b; i++)
            for (int s = 0; s < k; s++)
                ids[s, i] = builder.Compute($"s{s}/mb{i}", "m", new($"c{s}", 0), "stage", null, work,
                    [s > 0 ? ids[s - 1, i] : -1, i > 0 ? ids[s, i - 1] : -1], miniBatch: i);
        var graph = builder.Build(b);
        Near((k + b - 1) * stage, Run(package, graph, On).LatencySeconds);
        Near((k + b - 1) * stage, Run(package, graph, Off).LatencySeconds);
    }

    [Fact]
    public void Without_contention_a_pipeline_follows_SCARs_equation_and_with_it_the_difference_is_the_waiting()
    {
        // Three weight-free stages on c0, c1, c2; one DRAM device beside c0 at 1 GB/s; links at 10^12 B/s.
        const int miniBatches = 4;
        var package = TestHardware.Row(3, dramBytesPerSecond: 1e9);
        var model = new ModelInstance("v", TestHardware.VectorChain("v", 3, 8, 1024), 8);
        var segments = ImmutableDictionary<string, ImmutableArray<PipelineSegment>>.Empty.Add("v",
            [new(new("c0", 0), 0, 1), new(new("c1", 0), 1, 1), new(new("c2", 0), 2, 1)]);
        var graph = new PipelinedPartitioner(CostModel, miniBatches, segments).Partition(package, [model]);

        // Per mini-batch: 8·1024/4 elements × 16 operations on 16 PEs = 2048 cycles at 1 GHz; 2048 bytes per tensor.
        double compute = 2048e-9, bytes = 2048, dram = bytes / 1e9, link = bytes / 1e12;
        double[] segment = [dram + compute, link + compute, link + compute + dram];
        double scar = segment.Sum() + (miniBatches - 1) * segment.Max();
        var off = Run(package, graph, Off);
        Near(scar, off.LatencySeconds);
        Assert.Equal(0, off.WaitingSeconds);

        // The first stage's reads and the last stage's writes share the DRAM device.
        var on = Run(package, graph, On);
        Assert.True(on.LatencySeconds > off.LatencySeconds);
        Near(on.LatencySeconds - off.LatencySeconds, on.CriticalPathWaitingSeconds);
        Assert.True(on.Resources.Single(r => r.Name == "dram").WaitingSeconds > 0);
        // Throughput after the pipeline fills: one mini-batch per bottleneck stage time without contention.
        Near(1 / segment.Max(), off.Models[0].ThroughputPerSecond);
    }

    [Fact]
    public void Keeping_a_tensor_on_chip_removes_exactly_its_DRAM_write_and_read()
    {
        var package = TestHardware.Row(2, dramPjPerBit: 10);
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 2, 64, 64), 1);
        var ops = model.Graph.Operators;
        var allocation = ImmutableDictionary<(string, string), CoreRef>.Empty
            .Add(("m", ops[0].Name), new("c0", 0)).Add(("m", ops[1].Name), new("c1", 0));
        var lbl = Run(package, new LayerByLayerPartitioner(CostModel, allocation).Partition(package, [model]), Off);
        var segments = ImmutableDictionary<string, ImmutableArray<PipelineSegment>>.Empty.Add("m",
            [new(new("c0", 0), 0, 1), new(new("c1", 0), 1, 1)]);
        var pipelined = Run(package, new PipelinedPartitioner(CostModel, 1, segments).Partition(package, [model]), Off);

        long between = model.Graph.Tensors[ops[0].Outputs[0]].Bytes; // 64 × 64 at 8 bits
        Assert.Equal(4096, between);
        Near(2 * between, lbl.DramBytes - pipelined.DramBytes);
        Near(2 * between * 8 * 10e-12, lbl.Energy.OffChipMemoryJ - pipelined.Energy.OffChipMemoryJ);
        Near(between, pipelined.TransferBytes);
        Near(lbl.Energy.ComputeJ, pipelined.Energy.ComputeJ);
    }

    [Fact]
    public void A_two_way_tensor_parallel_split_halves_compute_time_and_adds_exactly_the_all_gather()
    {
        var package = TestHardware.Row(2);
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 2, 64, 64), 1);
        var one = Run(package, new TensorParallelPartitioner(1).Partition(package, [model]), Off);
        var two = Run(package, new TensorParallelPartitioner(2).Partition(package, [model]), Off);
        foreach (var op in model.Graph.Operators)
        {
            double whole = one.Placements.Single(p => p.Operator == $"m/{op.Name}/0").EndSeconds - one.Placements.Single(p => p.Operator == $"m/{op.Name}/0").StartSeconds;
            foreach (var half in two.Placements.Where(p => p.Operator.StartsWith($"m/{op.Name}/", StringComparison.Ordinal)))
                Near(whole / 2, half.EndSeconds - half.StartSeconds);
        }
        // The first layer's output (64 × 64 bytes) is all-gathered: each half goes to the other core.
        Assert.Equal(0, one.TransferBytes);
        Near(4096, two.TransferBytes);
        // Both cores read the model input; the weights split without loss.
        Near(4096, two.DramBytes - one.DramBytes);
        Near(one.Energy.ComputeJ, two.Energy.ComputeJ);
    }

    [Fact]
    public void A_capacity_overflow_spills_exactly_the_excess_bytes()
    {
        var package = TestHardware.Row(1, dramPjPerBit: 10, linkPjPerBit: 0);
        long capacity = TestHardware.Core().Memories[^1].CapacityBits / 8;
        const long excess = 1000;
        var builder = new TaskGraphBuilder(PartitionMode.Fused, []);
        int producer = builder.Compute("p", "m", new("c0", 0), "p", null, new VectorWork(16, 0, 0), [], new TensorRef("big", capacity + excess));
        builder.Compute("c", "m", new("c0", 0), "c", null, new VectorWork(16, 0, 0), [producer]);
        var graph = builder.Build();
        var on = Run(package, graph, On);
        Assert.Equal(excess, on.SpilledBytes);
        Near(2 * excess, on.DramBytes);
        Near(2 * excess * 8 * 10e-12, on.Energy.OffChipMemoryJ);
        var memory = on.Memory.Single();
        Assert.Equal(capacity, memory.PeakBytes);
        Assert.Equal(0, memory.Bytes[^1]); // freed once its consumer ended
        Assert.Equal(0, Run(package, graph, Off).SpilledBytes);
    }

    [Fact]
    public void A_task_waits_for_room_while_a_running_task_will_free_it()
    {
        var package = TestHardware.Row(2);
        long capacity = TestHardware.Core().Memories[^1].CapacityBits / 8;
        var (c0, c1) = (new CoreRef("c0", 0), new CoreRef("c1", 0));
        var builder = new TaskGraphBuilder(PartitionMode.Fused, []);
        int a = builder.DramRead("a", "m", "dram", c0, capacity, []);                               // fills c0's memory
        builder.Compute("use", "m", c0, "use", null, new VectorWork(1600, 0, 0), [a]);            // 100 ns, then frees it
        int z = builder.Compute("z", "m", c1, "z", null, new VectorWork(800, 0, 0), [a]);         // 50 ns on c1
        builder.Transfer("b", "m", c1, c0, capacity / 2, [z]);                                    // wants room on c0 meanwhile
        var on = Run(package, builder.Build(), On);
        Assert.Equal(0, on.SpilledBytes);
        Near(50e-9, on.WaitingSeconds); // b waited from z's end until 'use' freed a's bytes
        Assert.True(on.Resources.Single(r => r.Kind == ResourceKind.Memory).WaitingSeconds > 0);
    }

    [Fact]
    public void Layer_by_layer_without_contention_is_the_sum_of_streaming_times_on_one_chiplet()
    {
        var package = TestHardware.Row(1, dramBytesPerSecond: 1e10, dramLatencySeconds: 100e-9);
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 3, 128, 96), 1);
        var core = package.Chiplets[0].Design.Cores[0];
        var path = MemoryPath.Nearest(package, "c0");
        double expected = model.Graph.Operators.Sum(op =>
        {
            var cost = CostModel.Evaluate(model.Graph, op, core, path.OffChipLevel(core));
            return 100e-9 + cost.Cycles / core.FrequencyHz;
        });
        var graph = new LayerByLayerPartitioner(CostModel).Partition(package, [model]);
        Near(expected, Run(package, graph, Off).LatencySeconds);
        Near(expected, Run(package, graph, On).LatencySeconds); // one core, one device: nothing to contend
        Near(expected, new LayerByLayerEvaluator(CostModel).Evaluate("s", package, [model]).LatencySeconds);
    }

    [Fact]
    public void Layer_by_layer_with_contention_shows_two_chiplets_sharing_one_DRAM_device_waiting()
    {
        var package = TestHardware.Row(2, dramBytesPerSecond: 1e9);
        var a = new ModelInstance("a", TestHardware.MatMulChain("a", 3), 1);
        var b = new ModelInstance("b", TestHardware.MatMulChain("b", 3), 1);
        var graph = new LayerByLayerPartitioner(CostModel).Partition(package, [a, b]);
        var off = Run(package, graph, Off);
        var on = Run(package, graph, On);
        Assert.True(on.LatencySeconds > off.LatencySeconds);
        Assert.True(on.WaitingSeconds > 0);
        // The evaluator is the contention-free schedule the partitioner planned.
        Near(off.LatencySeconds, new LayerByLayerEvaluator(CostModel).Evaluate("s", package, [a, b]).LatencySeconds);
    }

    [Fact]
    public void Static_energy_is_leakage_times_makespan()
    {
        var design = new Chiplet("c", [TestHardware.Core()], "28nm", StaticPowerW: 0.5);
        var package = new Package("p", [new ChipletInstance("c0", design, 0, 0)],
            [new MemoryDevice("dram", "t", 1e10, 1, 0, 1L << 30, StaticPowerW: 0.25)], [new Link("dram", "c0", 1e10, 0, 0)]);
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 2), 1);
        var result = Run(package, new LayerByLayerPartitioner(CostModel).Partition(package, [model]), On);
        Near(0.75 * result.LatencySeconds, result.Energy.StaticJ);
        Near(result.Energy.TotalJ * result.LatencySeconds, result.Edp);
    }
}
