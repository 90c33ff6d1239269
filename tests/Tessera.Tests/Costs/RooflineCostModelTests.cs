using Tessera.Costs;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Tests.Costs;

public class RooflineCostModelTests
{
    private static (ModelGraph Graph, ComputeOperator Op) Gemm(long m, long n, long k)
    {
        var b = new GraphBuilder("gemm");
        var x = b.Input("x", m, k);
        b.Linear(x, n, bias: false);
        var graph = b.Build();
        return (graph, (ComputeOperator)graph.Operators[0]);
    }

    [Fact]
    public void Compute_bound_gemm_takes_one_cycle_per_array_step()
    {
        // The core unrolls K (outputs) by 4 and C (reduction) by 4: steps = D·⌈K/4⌉·⌈C/4⌉.
        var (graph, op) = Gemm(8, 8, 16);
        var cost = new RooflineCostModel().Evaluate(op.Nest, TestHardware.Core(), TestHardware.OffChip(1e18));
        Assert.Equal(8 * 2 * 4, cost.Cycles, 6);
        Assert.Equal("compute", cost.BoundBy);
        Assert.True(cost.Cycles >= op.Nest.Macs / 16.0);
    }

    [Fact]
    public void A_dimension_that_does_not_divide_the_array_leaves_PEs_idle()
    {
        var (graph, op) = Gemm(8, 8, 17); // reduction ⌈17/4⌉ = 5 steps where 4.25 would be ideal
        var cost = new RooflineCostModel().Evaluate(op.Nest, TestHardware.Core(), TestHardware.OffChip(1e18));
        Assert.Equal(8 * 2 * 5, cost.Cycles, 6);
        Assert.Equal(8.0 * 8 * 17 / (8 * 2 * 5 * 16), cost.Utilisation, 9);
    }

    [Fact]
    public void Low_bandwidth_makes_an_operator_bandwidth_bound()
    {
        var (graph, op) = Gemm(8, 8, 16);
        var stats = graph.Statistics(op);
        // 8 bits per cycle: one cycle per byte over a shared read/write port.
        var cost = new RooflineCostModel().Evaluate(op.Nest, TestHardware.Core(), TestHardware.OffChip(8));
        Assert.Equal("off-chip bandwidth", cost.BoundBy);
        Assert.Equal(stats.TotalBytes, cost.Cycles, 9);
        Assert.Equal(stats.TotalBytes, cost.OffChipBytes);
        Assert.Equal(cost.Cycles, cost.OffChipCycles);
    }

    [Fact]
    public void Energy_is_at_least_MACs_times_MAC_energy_plus_off_chip_bits()
    {
        var (graph, op) = Gemm(32, 48, 64);
        const double dramPjPerBit = 10;
        var cost = new RooflineCostModel().Evaluate(op.Nest, TestHardware.Core(macPj: 0.25), TestHardware.OffChip(1e6, dramPjPerBit));
        Assert.Equal(op.Nest.Macs * 0.25, cost.Energy.ComputePj, 6);
        Assert.Equal(graph.Statistics(op).TotalBytes * 8 * dramPjPerBit, cost.Energy.OffChipMemoryPj, 6);
        Assert.True(cost.Energy.OnChipMemoryPj > 0);
    }

    [Fact]
    public void Vector_work_runs_on_the_vector_unit_lanes()
    {
        var core = TestHardware.Core() with { Vector = new VectorUnit(Lanes: 16, EnergyPerOpPj: 0.5) };
        var cost = new RooflineCostModel().Evaluate(new VectorWork(1000, 64, 64), core, TestHardware.OffChip(1e9));
        Assert.Equal(Math.Ceiling(1000 / 16.0), cost.ComputeCycles);
        Assert.Equal(1000 * 0.5, cost.Energy.ComputePj);
        Assert.Equal(64 * 8, cost.OffChipReadBits);
        Assert.Equal(64 * 8, cost.OffChipWriteBits);
    }

    [Fact]
    public void Reshape_costs_nothing()
    {
        var b = new GraphBuilder("r");
        var x = b.Input("x", 4, 4);
        b.ShapeOp(ShapeKind.Reshape, "Reshape", [16], null, x);
        var graph = b.Build();
        var cost = new RooflineCostModel().Evaluate(graph, graph.Operators[0], TestHardware.Core(), TestHardware.OffChip(8, 10));
        Assert.Equal(0, cost.Cycles);
        Assert.Equal(0, cost.Energy.TotalPj);
    }
}
