using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Technology;

namespace Tessera.Tests.Hardware;

public class StreamImportTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    private static Package Load(params string[] parts) => HardwareLoader.Load(TestData.Shared(parts), Tech);

    public static TheoryData<string, int, int, int> StreamFiles => new()
    {
        // file, chiplets (compute cores), memory devices, links (a bus over n cores = n(n−1)/2 links)
        { "eyeriss_like_single_core.yaml", 3, 1, 2 + 6 },
        { "eyeriss_like_dual_core.yaml", 4, 1, 5 + 10 },
        { "eyeriss_like_quad_core.yaml", 6, 1, 12 + 21 },
        { "fusemax.yaml", 2, 1, 2 },
        { "meta_prototype_dual_core_simd_offchip.yaml", 4, 1, 5 + 10 },
        { "simba.yaml", 36, 1, 60 + 6 },
        { "simba_small.yaml", 4, 1, 4 + 10 },
        { "tpu_like_quad_core.yaml", 6, 1, 12 + 21 },
        { "tpu_v7_ironwood.yaml", 36, 5, 4 * 45 + 3 + 10 },
    };

    [Theory]
    [MemberData(nameof(StreamFiles))]
    public void Stream_accelerators_load(string file, int chiplets, int memories, int links)
    {
        var p = Load("data", "stream", "hardware", file);
        Assert.Equal(chiplets, p.Chiplets.Length);
        Assert.Equal(memories, p.Memories.Length);
        Assert.Equal(links, p.Links.Length);
        Assert.Contains(p.Memories, m => m.Type == "stream-offchip");
    }

    [Fact]
    public void Tpu_like_quad_core_has_1024_pe_cores_and_a_dram_device()
    {
        var p = Load("data", "stream", "hardware", "tpu_like_quad_core.yaml");
        var tpu = p.Chiplet("core0").Design.Cores[0];
        Assert.Equal(1024, tpu.Array.ProcessingElements);
        Assert.Equal(0.04, tpu.Array.MacEnergyPj);
        Assert.Equal(1e9, tpu.FrequencyHz);
        Assert.Equal(16777216, tpu.Memories[^1].CapacityBits);
        Assert.Equal(416.16 / 2048, tpu.Memories[^1].ReadEnergyPerBitPj, 12);
        Assert.Equal(378.4 / 2048, tpu.Memories[^1].WriteEnergyPerBitPj, 12);
        Assert.Equal(["weight", "output", "input"], tpu.Memories.SelectMany(m => m.Holds).Distinct().Select(r => r.ToString().ToLowerInvariant()));
        Assert.Equal(32, tpu.Dataflow.FactorOf("K"));
        Assert.Equal((1, 1), (p.Chiplet("core2").X, p.Chiplet("core2").Y));
        var dram = Assert.Single(p.Memories);
        Assert.Equal("core6", dram.Id);
        Assert.Equal(10000000000 / 8, dram.CapacityBytes);
        Assert.Equal(64 * 1e9 / 8, dram.BandwidthBytesPerSecond);
        Assert.Equal(1000.0 / 64, dram.EnergyPerBitPj, 12);
        Assert.Equal(32 * 1e9 / 8, p.Route("core0", "core1")!.Value[0].BandwidthBytesPerSecond);
        Assert.Single(p.Route("core0", "core6")!.Value);
    }

    [Fact]
    public void Prefixed_core_paths_fall_back_to_the_cores_folder()
    {
        var p = Load("data", "stream", "hardware", "fusemax.yaml");
        Assert.Equal(65536, p.Chiplet("core0").Design.Cores[0].Array.ProcessingElements);
        Assert.Equal(10, p.Memories[0].EnergyPerBitPj, 9); // 32,000 pJ per 3,200-bit access
        Assert.Equal(512, p.Links[0].EnergyPerBitPj);
    }

    [Fact]
    public void Simba_chiplets_have_1024_pes()
    {
        var p = Load("data", "stream", "hardware", "simba.yaml");
        Assert.All(p.Chiplets, c => Assert.Equal(1024, c.Design.Cores[0].Array.ProcessingElements));
        Assert.Equal(5, p.Chiplets[0].Design.Cores[0].Memories.Length);
    }

    [Theory]
    [InlineData("lab1")]
    [InlineData("lab2")]
    [InlineData("lab3")]
    public void Tutorial_hardware_loads(string lab)
    {
        var p = Load("data", "stream-tutorial", lab, "hardware", "hda_bus.yaml");
        Assert.Equal(3, p.Chiplets.Length);
        Assert.Equal("core3", Assert.Single(p.Memories).Id);
        Assert.Equal(3 + 6, p.Links.Length);
        Assert.All(p.Chiplets, c => Assert.True(c.Design.Cores[0].Array.ProcessingElements > 0));
    }

    [Fact]
    public void A_missing_core_file_is_reported_with_its_position()
    {
        var dir = Directory.CreateTempSubdirectory("tessera-stream-").FullName;
        try
        {
            var path = Path.Combine(dir, "acc.yaml");
            File.WriteAllText(path, "cores:\n  0: nowhere/ghost.yaml\noffchip_core_id: 0\ncore_connectivity: []\n");
            var e = Assert.Throws<TesseraInputException>(() => HardwareLoader.Load(path, Tech));
            Assert.StartsWith("acc.yaml:2:6: core file 'nowhere/ghost.yaml' not found", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
