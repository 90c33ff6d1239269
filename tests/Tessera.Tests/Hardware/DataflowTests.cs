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
