using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Tests.Simulation;

/// <summary>The simulator on systems larger than one package: levels, collectives, placement across packages.</summary>
public class SystemSimulationTests
{
    private const double Relative = 1e-12;
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();
    private static readonly Simulator Simulator = new(new RooflineCostModel());

    // A board link: 100 GB/s, 100 ns, 2 pJ/bit; the test packages' NoC: 10^12 B/s, 10 ns, 1 pJ/bit.
    private const double BoardBw = 1e11, BoardLatency = 1e-7, BoardPj = 2, NocLatency = 1e-8;

    private static EvaluationResult Run(Package package, TaskGraph graph) => Simulator.Simulate("test", package, graph).Evaluation;

    private static void Near(double expected, double actual) => Assert.Equal(expected, actual, Math.Abs(expected) * Relative);

    /// <summary>Packages of <paramref name="chiplets"/> chiplets in a row (TestHardware.Row), in a ring of board links.</summary>
    private static SystemNode Board(int packages, int chiplets = 1, string? port = null)
    {
        var package = TestHardware.Row(chiplets, linkLatencySeconds: NocLatency);
        var ids = Enumerable.Range(0, packages).Select(i => $"p{i}").ToList();
        return new SystemNode("board", ids.Select(id => new SystemChild(id, package, port: port)),
            Topologies.ToLinks(Topologies.Ring(ids), BoardBw, BoardPj, BoardLatency));
    }

    [Theory]
    [InlineData("scar-2x2-het", PartitionMode.LayerByLayer)]
    [InlineData("scar-2x2-het", PartitionMode.TensorParallel)]
    [InlineData("simba-like", PartitionMode.Pipelined)]
    public void A_one_package_system_simulates_bit_identically_to_the_package(string preset, PartitionMode mode)
    {
        var package = HardwarePresets.CreatePackage(preset, Tech);
        var flat = SystemNode.Of(package).Flatten();
        var model = new ModelInstance("mlp", TestHardware.MatMulChain("mlp", 4, m: 256, k: 512), 1);
        var costModel = new LoopNestCostModel();
        var options = new PartitionOptions(mode, MiniBatches: 2, TensorParallelWays: 4);
        var simulator = new Simulator(costModel);
        var alone = simulator.Simulate("a", package, Partitioners.Create(options, costModel).Partition(package, [model])).Evaluation;
        var nested = simulator.Simulate("a", flat, Partitioners.Create(options, costModel).Partition(flat, [model])).Evaluation;
        Assert.Equal(alone.LatencySeconds, nested.LatencySeconds);
        Assert.Equal(alone.Energy, nested.Energy);
        Assert.All(flat.Chiplets, c => Assert.StartsWith("p0/", c.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void A_transfer_between_packages_crosses_each_level_with_its_bandwidth_latency_and_energy()
    {
        // Two packages of two chiplets, ports c1: p0/c0 → p0/c1 (NoC) → p1/c1 (board) → p1/c0 (NoC).
        var flat = Board(2, chiplets: 2, port: "c1").Flatten();
        const long bytes = 1_000_000;
        var b = new TaskGraphBuilder(PartitionMode.Pipelined, []);
        var work = new VectorWork(1600, 0, 0); // 1600 operations on 16 PEs at 1 GHz: 100 ns
        int first = b.Compute("stage0", "m", new("p0/c0", 0), "s0", null, work, []);
        int hop = b.Transfer("activations", "m", new("p0/c0", 0), new("p1/c0", 0), bytes, [first]);
        b.Compute("stage1", "m", new("p1/c0", 0), "s1", null, work, [hop]);
        var result = Run(flat, b.Build());
        double transfer = bytes / BoardBw + NocLatency + BoardLatency + NocLatency;
        Near(100e-9 + transfer + 100e-9, result.LatencySeconds);
        Near(bytes * 8 * (1 + BoardPj + 1) * 1e-12, result.Energy.InterconnectJ);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void A_ring_all_reduce_across_packages_takes_2_p_minus_1_over_p_bytes_over_bw_plus_2_p_minus_1_latencies(int p)
    {
        var flat = Board(p).Flatten();
        long bytes = 8L * 1_000_000;
        var b = new TaskGraphBuilder(PartitionMode.TensorParallel, []);
        var ranks = Enumerable.Range(0, p).Select(i => new CoreRef($"p{i}/c0", 0)).ToList();
        Collectives.RingAllReduce(b, "ar", "m", ranks, bytes, [.. Enumerable.Repeat(-1, p)]);
        Near(2.0 * (p - 1) / p * bytes / BoardBw + 2.0 * (p - 1) * BoardLatency, Run(flat, b.Build()).LatencySeconds);
    }

    [Fact]
    public void A_tensor_parallel_all_reduce_and_all_gather_inside_a_package_follow_their_formulas_on_the_chiplet_ring()
    {
        const int p = 4;
        const long bytes = 4_000_000;
        const double bw = 5e11, latency = 2e-9, pj = 0.5;
        var design = new Chiplet("c", [TestHardware.Core()], "7nm");
        var ids = Enumerable.Range(0, p).Select(i => $"c{i}").ToList();
        var package = new Package("tp", ids.Select((id, i) => new ChipletInstance(id, design, i, 0)), [],
            Topologies.ToLinks(Topologies.Ring(ids), bw, pj, latency));
        var flat = SystemNode.Of(package).Flatten();
        var ranks = ids.Select(id => new CoreRef($"p0/{id}", 0)).ToList();
        var reduce = new TaskGraphBuilder(PartitionMode.TensorParallel, []);
        Collectives.RingAllReduce(reduce, "ar", "m", ranks, bytes, [-1, -1, -1, -1]);
        var r = Run(flat, reduce.Build());
        Near(2.0 * (p - 1) / p * bytes / bw + 2.0 * (p - 1) * latency, r.LatencySeconds);
        // Every byte of the reduction crosses 2(p − 1)/p links per rank: 2(p − 1) · bytes bits × pJ in all.
        Near(2.0 * (p - 1) * bytes * 8 * pj * 1e-12, r.Energy.InterconnectJ);
        var gather = new TaskGraphBuilder(PartitionMode.TensorParallel, []);
        Collectives.RingAllGather(gather, "ag", "m", ranks, bytes, [-1, -1, -1, -1]);
        Near((p - 1.0) / p * bytes / bw + (p - 1) * latency, Run(flat, gather.Build()).LatencySeconds);
    }

    [Fact]
    public void Two_all_reduces_sharing_the_ring_links_need_at_least_twice_the_bandwidth_time_and_at_most_twice_one()
    {
        var flat = Board(4).Flatten();
        const int p = 4;
        const long bytes = 4_000_000;
        var ranks = Enumerable.Range(0, p).Select(i => new CoreRef($"p{i}/c0", 0)).ToList();
        TaskGraph AllReduces(int count)
        {
            var b = new TaskGraphBuilder(PartitionMode.TensorParallel, []);
            for (int k = 0; k < count; k++) Collectives.RingAllReduce(b, $"ar{k}", "m", ranks, bytes, [-1, -1, -1, -1]);
            return b.Build();
        }
        double one = Run(flat, AllReduces(1)).LatencySeconds, two = Run(flat, AllReduces(2)).LatencySeconds;
        double bandwidthTerm = 2.0 * (p - 1) / p * bytes / BoardBw;
        Assert.True(two >= 2 * bandwidthTerm, $"{two} < {2 * bandwidthTerm}");
        Assert.True(one < 2 * bandwidthTerm && two <= 2 * one * (1 + Relative), $"one {one}, two {two}");
    }

    [Fact]
    public void A_two_stage_pipeline_across_packages_is_stage_plus_transfer_plus_stage()
    {
        // Two weight-free vector operators over x[8, 1024] (int8): 16 operations per element on 16 PEs = 8192 cycles each,
        // memory time negligible (8 KiB at 10^12 B/s) but each stage waits for its memory link's latency once; the 8 KiB
        // activation crosses p0 → p1 over one board link.
        var flat = Board(2).Flatten();
        var model = new ModelInstance("v", TestHardware.VectorChain("v", 2, 8, 1024), 8);
        var graph = new SystemPartitioner(1, 2).Partition(flat, [model]);
        var computes = graph.Tasks.OfType<ComputeTask>().ToList();
        Assert.Equal(["p0/c0", "p1/c0"], computes.Select(c => c.Core.Chiplet));
        long activation = model.Graph.Tensors[model.Graph.Operators[0].Outputs[0]].Bytes;
        var crossing = Assert.Single(graph.Tasks.OfType<TransferTask>());
        Assert.Equal(activation, crossing.Bytes);
        Near(2 * (8192e-9 + NocLatency) + activation / BoardBw + BoardLatency, Run(flat, graph).LatencySeconds);
    }

    [Fact]
    public void Micro_batches_overlap_the_stages_as_the_pipeline_formula_says()
    {
        // The two-stage chain above in two micro-batches of 4 rows: each stage's task is 4096 cycles plus its memory link's
        // latency, each crossing carries half the activation. Stage 0 runs both micro-batches back to back; the second
        // crosses and runs on stage 1 (whose first micro-batch ended as it arrived): (m + p − 1) stage times + one crossing.
        var flat = Board(2).Flatten();
        var model = new ModelInstance("v", TestHardware.VectorChain("v", 2, 8, 1024), 8);
        var graph = new SystemPartitioner(1, 2, microBatches: 2).Partition(flat, [model]);
        Assert.Equal(2, graph.MiniBatches);
        Assert.Equal([0, 1], graph.Tasks.Select(t => t.MiniBatch).Distinct().Order());
        long activation = model.Graph.Tensors[model.Graph.Operators[0].Outputs[0]].Bytes;
        Assert.All(graph.Tasks.OfType<TransferTask>(), t => Assert.Equal(activation / 2, t.Bytes));
        double stage = 4096e-9 + NocLatency;
        var result = Run(flat, graph);
        Near(3 * stage + activation / 2 / BoardBw + BoardLatency, result.LatencySeconds);
        var whole = Run(flat, new SystemPartitioner(1, 2).Partition(flat, [model]));
        Assert.True(result.LatencySeconds < whole.LatencySeconds);
    }

    [Fact]
    public void Data_parallel_replicas_on_separate_packages_each_run_their_share_of_the_batch()
    {
        // Two replicas of the 8-row chain over two stages each: each replica runs 4 rows, so every stage task is 4096 cycles
        // and a crossing carries half the activation; the replicas share no link, so the run is one replica's time.
        var flat = Board(4).Flatten();
        var model = new ModelInstance("v", TestHardware.VectorChain("v", 4, 8, 1024), 8);
        var one = Run(flat, new SystemPartitioner(1, 2).Partition(flat, [model]));
        var two = Run(flat, new SystemPartitioner(1, 2, dataParallel: 2).Partition(flat, [model]));
        long activation = model.Graph.Tensors[model.Graph.Operators[0].Outputs[0]].Bytes;
        Near(4 * (4096e-9 + NocLatency) + activation / 2 / BoardBw + BoardLatency, two.LatencySeconds);
        Near(4 * (8192e-9 + NocLatency) + activation / BoardBw + BoardLatency, one.LatencySeconds);
        Near(one.Energy.TotalJ - one.Energy.StaticJ, two.Energy.TotalJ - two.Energy.StaticJ);
        Assert.Throws<Tessera.Diagnostics.InfeasibleException>(() =>
            new SystemPartitioner(1, 4, dataParallel: 2).Partition(flat, [model]));
    }

    /// <summary>An MLP block x → up (H → 4H) → GELU → down (4H → H) → + x, on one package of <paramref name="ranks"/> chiplets.</summary>
    private static (long Moved, long Activation) TensorParallelBytes(int ranks, bool residual)
    {
        const long tokens = 64, hidden = 256;
        var b = new GraphBuilder("mlp");
        var x = b.Input("x", tokens, hidden);
        var up = b.Linear(x, 4 * hidden, bias: false, nodeName: "up");
        var act = b.Vector(VectorKind.Activation, "Gelu", 8, "gelu", up);
        var down = b.Linear(act, hidden, bias: false, nodeName: "down");
        if (residual) b.Vector(VectorKind.Elementwise, "Add", 1, "residual", x, down);
        var model = b.Build();
        var flat = SystemNode.Of(TestHardware.Row(ranks, linkLatencySeconds: NocLatency)).Flatten();
        var graph = new SystemPartitioner(ranks, 1).Partition(flat, [new ModelInstance("mlp", model, 1)]);
        return (graph.Tasks.OfType<TransferTask>().Sum(t => t.Bytes), model.Tensors[down].Bytes);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Tensor_parallel_layers_pair_as_megatron_does_one_all_reduce_per_block(int p)
    {
        // The up projection is split by columns and its shards stay put; GELU works on each shard; the down projection
        // reduces over the sharded axis (row parallel), so the block moves one ring all-reduce of its output,
        // 2(p − 1)/p of it from each of p ranks: 2(p − 1) × the activation, where gathering the 4H-wide up projection
        // and GELU outputs and the down projection's would move (p − 1) × (4 + 4 + 1) × it.
        // (The p = 4 case: 6 ring steps of 4 chunks of a quarter each, 6 × the activation, against 27 ×.)
        var (moved, activation) = TensorParallelBytes(p, residual: true);
        Assert.Equal(2L * (p - 1) * activation, moved);
        // Without a consumer the partial sums are only reduce-scattered: each rank keeps its reduced share.
        var (alone, _) = TensorParallelBytes(p, residual: false);
        Assert.Equal((p - 1L) * activation, alone);
    }
}
