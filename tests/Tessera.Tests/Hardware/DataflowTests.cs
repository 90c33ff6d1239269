using Tessera.Hardware;
using Tessera.Technology;

namespace Tessera.Tests.Hardware;

public class DataflowTests
{
    private static readonly ArrayAxis[] Axes = [new("D1", 16), new("D2", 8)];

    [Theory]
    [InlineData("weight-stationary", "K", "C")]
    [InlineData("output-stationary", "OX", "OY")]
    [InlineData("input-stationary", "C", "OX")]
    [InlineData("is", "C", "OX")]
    [InlineData("systolic", "C", "K")]
    public void Named_dataflows_unroll_their_dimensions_on_the_array_axes(string name, string d1, string d2)
    {
        var unrolling = Dataflows.Create(name, Axes, TechnologyLibrary.LoadDefault());
        Assert.Equal(16, unrolling.FactorOf(d1));
        Assert.Equal(8, unrolling.FactorOf(d2));
        Assert.Equal(16 * 8, new[] { "K", "C", "OX", "OY", "FY" }.Aggregate(1, (p, d) => p * unrolling.FactorOf(d)));
    }

    [Fact]
    public void An_inferred_unrolling_keeps_partial_sums_in_their_register_and_fills_free_axes_per_layer()
    {
        // The Stream tutorial's accelerator3: a 64 × 4 × 4 array whose 32-bit output register is shared along D2 and D3.
        // Four 8-bit final outputs would fit it, four 16-bit partial sums do not, so D2 and D3 must unroll the reduction C
        // (each register then sums 16 products of one output); D1 is free and takes, per layer, what fills it most.
        var memories = new[]
        {
            new MemoryLevel("rf_4B_O", 32, 32, 32, 0.02, 0.02, [Tessera.Workloads.OperandRole.Output], ["D2", "D3"]),
            new MemoryLevel("sram", 1 << 20, 512, 512, 0.04, 0.04, [Tessera.Workloads.OperandRole.Input, Tessera.Workloads.OperandRole.Weight,
                Tessera.Workloads.OperandRole.Output], ["D1", "D2", "D3"]),
        };
        var unrolling = Dataflows.FromServedAxes([new("D1", 64), new("D2", 4), new("D3", 4)], memories, 8);
        string Show(Tessera.Workloads.LoopNest nest) => string.Join(" ", unrolling.For(nest).Select(a => $"{a.Axis}:{a.Factors.Single().Dimension}"));
        // ResNet-18's 128→128 3×3 layer: K fills D1 (first in Stream's order among those that fill it).
        Assert.Equal("D1:K D2:C D3:C", Show(Tessera.Workloads.LoopNests.Convolution("x", "w", "y", 1, 1, 128, 128, 28, 28, 3, 3)));
        // The tutorial's 8→8 channel layers on 56 × 56: K would use 8 of D1's 64 PEs, OX uses 56.
        var narrow = Tessera.Workloads.LoopNests.Convolution("x", "w", "y", 1, 1, 8, 8, 56, 56, 3, 3);
        Assert.Equal("D1:OX D2:C D3:C", Show(narrow));
        Assert.Equal(56 * 4 * 2, new[] { "OX", "C" }.Aggregate(1L, (p, d) => p * Math.Min(unrolling.FactorOf(d, narrow), d == "OX" ? 56 : 8)));
    }
}

public class OutputStationaryGemmTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    [Fact]
    public void Output_stationary_keeps_a_gemm_output_tile_and_a_conv_output_tile()
    {
        var os = Tessera.Hardware.Presets.HardwarePresets.CreateCore("scar-os", Tech);
        var gemm = Tessera.Workloads.LoopNests.MatMul("x", "w", "y", 1, 128, 1024, 1024);
        var conv = Tessera.Workloads.LoopNests.Convolution("x", "w", "y", 1, 1, 64, 64, 64, 64, 3, 3);
        // A GEMM has no OX/OY: the 64 × 64 array keeps a D × K tile of outputs instead.
        Assert.Equal(64, os.Dataflow.FactorOf("D", gemm));
        Assert.Equal(64, os.Dataflow.FactorOf("K", gemm));
        Assert.Equal(64, os.Dataflow.FactorOf("OX", conv));
        Assert.Equal(64, os.Dataflow.FactorOf("OY", conv));
        Assert.Equal(1, os.Dataflow.FactorOf("K", conv));

        // Both fill the array: cycles ≥ MACs ÷ PEs, and within the array's tiling of it (128 and 1024 are multiples of 64).
        var model = new Tessera.Costs.LoopNestCostModel();
        var offChip = Tessera.Costs.CostModelExtensions.OffChipLevel(new MemoryDevice("dram", "test", 64e9, 14.8, 0, 1L << 34), 64e9, 14.8, os.FrequencyHz);
        var cost = model.Evaluate(gemm, os, offChip);
        Assert.True(cost.ComputeCycles >= (double)gemm.Macs / os.Array.ProcessingElements);
        Assert.Equal((double)gemm.Macs / os.Array.ProcessingElements, cost.ComputeCycles, 6);
    }
}
