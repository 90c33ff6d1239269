using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Workloads;

namespace Tessera.Tests.Simulation;

/// <summary>On-chip memory in the simulator: eviction by Stream's rule, read-back, and memory shared by cores.</summary>
public class MemoryTests
{
    private static readonly RooflineCostModel Roofline = new();
    private static readonly long Capacity = TestHardware.Core().Memories[^1].CapacityBits / 8;
    private static readonly VectorWork Tiny = new(16, 0, 0);
    private static readonly (CoreRef C0, CoreRef C1) Cores = (new("c0", 0), new("c1", 0));

    private static EvaluationResult Run(Package package, TaskGraph graph, IOperatorCostModel? model = null) =>
        new Simulator(model ?? Roofline).Simulate("test", package, graph).Evaluation;

    /// <summary>Two chiplets beside one DRAM device whose cores share their buffer (or not).</summary>
    private static Package Pair(bool shared, double bufferBitsPerCycle = 1e9)
    {
        var design = new Chiplet("c", [TestHardware.Core(bufferBitsPerCycle: bufferBitsPerCycle)], "28nm");
        var package = new Package("pair", [new ChipletInstance("c0", design, 0, 0), new ChipletInstance("c1", design, 1, 0)],
            [new MemoryDevice("dram", "test", 1e12, 10, 0, 1L << 32)],
            [new Link("dram", "c0", 1e12, 0, 0), new Link("dram", "c1", 1e12, 0, 0), new Link("c0", "c1", 1e12, 0, 0)]);
        return shared ? package with { SharedMemoryGroups = [["c0", "c1"]] } : package;
    }

    /// <summary>
    /// On c0: p1 (C/2, two later users) and p2 (C/4, one later user, a DRAM read when <paramref name="clean"/>), then
    /// a C/2 output that needs C/4 more room than is free, then the users.
    /// </summary>
    private static TaskGraph Crowded(bool clean)
    {
        var b = new TaskGraphBuilder(PartitionMode.Fused, []);
        int p1 = b.Compute("p1", "m", Cores.C0, "p1", null, Tiny, [], new TensorRef("p1", Capacity / 2));
        int p2 = clean ? b.DramRead("p2", "m", "dram", Cores.C0, Capacity / 4, [])
            : b.Compute("p2", "m", Cores.C0, "p2", null, Tiny, [], new TensorRef("p2", Capacity / 4));
        // "new" waits for both through a gate, so that neither is its own input and both may leave.
        int gate = b.Compute("gate", "m", Cores.C1, "gate", null, Tiny, [p1, p2]);
        int next = b.Compute("new", "m", Cores.C0, "new", null, Tiny, [gate], new TensorRef("new", Capacity / 2));
        b.Compute("u1", "m", Cores.C0, "u1", null, Tiny, [p1, next]);
        b.Compute("u2", "m", Cores.C0, "u2", null, Tiny, [p1, next]);
        b.Compute("u3", "m", Cores.C0, "u3", null, Tiny, [p2, next]);
        return b.Build(evictsByFutureUse: true);
    }

    [Fact]
    public void Eviction_takes_the_fewest_future_uses_times_bytes_and_reads_it_back_for_its_user()
    {
        var result = Run(TestHardware.Row(2), Crowded(clean: false));
        // p2 (1 use × C/4) goes, not p1 (2 uses × C/2): C/4 written out and read back by u3.
        Assert.Equal(Capacity / 4, result.SpilledBytes);
        Assert.Equal(2.0 * (Capacity / 4), result.DramBytes);
        Assert.Equal(Capacity, result.Memory.Single(m => m.Core == "c0/core0").PeakBytes);
        double DramJ(string task) => result.Placements.Single(p => p.Operator == task).Energy.OffChipMemoryJ;
        Assert.Equal(Capacity / 4 * 8 * 10e-12, DramJ("u3"), 1e-18); // p2's user reads it back at 10 pJ/bit
        Assert.Equal(0, DramJ("u1"));
    }

    [Fact]
    public void Evicting_a_copy_of_dram_data_drops_it_without_writing_it_back()
    {
        var result = Run(TestHardware.Row(2), Crowded(clean: true));
        // The read itself, then only the read back: nothing is written.
        Assert.Equal(Capacity / 4, result.SpilledBytes);
        Assert.Equal(2.0 * (Capacity / 4), result.DramBytes);
    }

    [Fact]
    public void Cores_sharing_a_memory_share_its_capacity()
    {
        TaskGraph Graph()
        {
            var b = new TaskGraphBuilder(PartitionMode.Fused, []);
            int a = b.Compute("a", "m", Cores.C0, "a", null, Tiny, [], new TensorRef("a", 3 * Capacity / 4));
            int c = b.Compute("b", "m", Cores.C1, "b", null, Tiny, [], new TensorRef("b", 3 * Capacity / 4));
            b.Compute("use", "m", Cores.C0, "use", null, Tiny, [a, c]);
            return b.Build();
        }
        Assert.Equal(0, Run(Pair(shared: false), Graph()).SpilledBytes);
        var shared = Run(Pair(shared: true), Graph());
        Assert.Equal(Capacity / 2, shared.SpilledBytes);
        Assert.Contains("shared by c0+c1", Assert.Single(shared.Memory).Core, StringComparison.Ordinal);
    }

    [Fact]
    public void Cores_sharing_a_memory_share_its_ports_when_they_bind_and_not_otherwise()
    {
        var nest = LoopNests.MatMul("x", "w", "y", 1, 64, 64, 64);
        var loopNest = new LoopNestCostModel();
        double Makespan(bool shared, double bitsPerCycle)
        {
            var b = new TaskGraphBuilder(PartitionMode.Fused, []);
            b.Compute("x", "m", Cores.C0, "x", nest, null, []);
            b.Compute("y", "m", Cores.C1, "y", nest, null, []);
            return Run(Pair(shared, bitsPerCycle), b.Build(), loopNest).LatencySeconds;
        }
        // A buffer of 8 bits per cycle binds: both tasks need (nearly) all of its port, so sharing serialises them.
        double alone = Makespan(shared: false, 8);
        Assert.Equal(2 * alone, Makespan(shared: true, 8), alone * 1e-9);
        // A fast buffer leaves both compute-bound: they run side by side as on separate memories.
        Assert.Equal(Makespan(shared: false, 1e9), Makespan(shared: true, 1e9));
    }
}
