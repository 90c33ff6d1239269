using Tessera.Interop.Stream;
using Tessera.Technology;

namespace Tessera.Tests.Costs;

/// <summary>ZigZag/Stream core files as `tessera map` reads them.</summary>
public class CoreFileTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    [Fact]
    public void A_ZigZag_core_with_duplicate_keys_and_a_dram_level_splits_into_core_and_off_chip()
    {
        // tpu_like.yaml repeats `ports:` under sram_2MB (PyYAML keeps the last one) and ends with a 10 GB dram level.
        var (core, offChip) = StreamHardwareImporter.LoadCore(TestData.Shared("data", "zigzag", "hardware", "tpu_like.yaml"), Technology);
        Assert.NotNull(core);
        Assert.Equal(["rf_128B", "rf_2B", "sram_2MB"], core.Memories.Select(m => m.Name));
        Assert.NotNull(offChip);
        Assert.Equal("dram", offChip.Name);
        Assert.True(offChip.SharedReadWritePort);
        Assert.Equal(64, offChip.ReadBitsPerCycle);
        Assert.Equal(700.0 / 64, offChip.ReadEnergyPerBitPj, 9);
        Assert.Equal(2048, core.Memories[2].ReadBitsPerCycle);
    }

    [Fact]
    public void Without_a_mapping_the_unrolling_respects_registers_shared_along_an_axis()
    {
        // accelerator1: the 4-byte output register is shared along D1 (so D1 unrolls a reduction, C) and the 1-byte input
        // register along D2 (so D2 unrolls what inputs do not depend on, K).
        var (core, offChip) = StreamHardwareImporter.LoadCore(
            TestData.Shared("data", "stream-tutorial", "lab1", "hardware", "cores", "accelerator1.yaml"), Technology);
        Assert.Null(offChip);
        Assert.Equal(new[] { ("C", 32) }, core!.Dataflow.Axes[0].Factors.ToArray());
        Assert.Equal(new[] { ("K", 32) }, core.Dataflow.Axes[1].Factors.ToArray());
    }

    [Fact]
    public void A_mapping_file_gives_the_unrolling_of_the_layer_type_or_the_default()
    {
        var (core, _) = StreamHardwareImporter.LoadCore(TestData.Shared("data", "zigzag", "hardware", "edge_tpu_like.yaml"), Technology);
        var path = TestData.Shared("data", "zigzag", "mapping", "edge_tpu_like.yaml");
        var conv = StreamHardwareImporter.LoadSpatialMapping(path, "Conv", core!.Array.Axes);
        Assert.Equal(new[] { ("K", 8) }, conv.Axes.Single(a => a.Axis == "D1").Factors.ToArray());
        Assert.Equal(new[] { ("C", 8) }, conv.Axes.Single(a => a.Axis == "D2").Factors.ToArray());
        // Mixed unrollings: several dimensions share one axis.
        var mixed = StreamHardwareImporter.LoadSpatialMapping(TestData.Shared("data", "zigzag", "mapping", "edge_tpu_like_mixed.yaml"), "Conv", core.Array.Axes);
        Assert.Equal(new[] { ("C", 2), ("FX", 2), ("FY", 2) }, mixed.Axes.Single(a => a.Axis == "D2").Factors.ToArray());
        var add = StreamHardwareImporter.LoadSpatialMapping(path, "Add", core.Array.Axes);
        Assert.Equal(new[] { ("G", 8) }, add.Axes.Single(a => a.Axis == "D1").Factors.ToArray());
    }
}
