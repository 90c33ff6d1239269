using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Interop;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Tests.Hardware;

public class PresetTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    [Theory]
    [InlineData("tpu-like", 65536, 700e6)]
    [InlineData("tpu-like-small", 1024, 700e6)]
    [InlineData("eyeriss-like", 168, 200e6)]
    [InlineData("nvdla-like", 2048, 1e9)]
    [InlineData("shidiannao-like", 64, 1e9)]
    [InlineData("simba-like", 1024, 1.8e9)]
    [InlineData("scar-ws", 4096, 500e6)]
    [InlineData("scar-os", 4096, 500e6)]
    public void Core_presets_have_their_published_size_and_clock(string name, long pes, double hz)
    {
        var core = HardwarePresets.CreateCore(name, Tech);
        Assert.Equal(pes, core.Array.ProcessingElements);
        Assert.Equal(hz, core.FrequencyHz);
        foreach (var role in Enum.GetValues<OperandRole>())
            Assert.Contains(core.Memories, m => m.Holds.Contains(role));
        Assert.All(core.Memories, m => Assert.True(m.ReadEnergyPerBitPj > 0 && m.CapacityBits > 0));
        // The spatial unrolling never exceeds the array.
        Assert.True(core.Dataflow.Axes.SelectMany(a => a.Factors).Aggregate(1L, (p, f) => p * f.Factor) <= pes);
    }

    [Fact]
    public void Preset_memories_match_the_papers()
    {
        var tpu = HardwarePresets.CreateCore("tpu-like", Tech);
        Assert.Equal(24L * 1024 * 1024 * 8, tpu.Memories[^1].CapacityBits);
        Assert.Equal(256, tpu.Dataflow.FactorOf("K"));
        Assert.Equal(256, tpu.Dataflow.FactorOf("C"));
        Assert.Equal(108L * 1024 * 8, HardwarePresets.CreateCore("eyeriss-like", Tech).Memories[^1].CapacityBits);
        var eyeriss = HardwarePresets.CreateCore("eyeriss-like", Tech).Dataflow;
        Assert.Equal(3, eyeriss.FactorOf("FY"));
        Assert.Equal(14, eyeriss.FactorOf("OY"));
        Assert.Equal(512L * 1024 * 8, HardwarePresets.CreateCore("nvdla-like", Tech).Memories[^1].CapacityBits);
        var sdn = HardwarePresets.CreateCore("shidiannao-like", Tech);
        Assert.Equal(8, sdn.Dataflow.FactorOf("OX"));
        Assert.Equal(256L * 1024 * 8, sdn.Memories.Where(m => m.ServedArrayAxes.Length > 0).Sum(m => m.CapacityBits));
        Assert.Equal(64L * 1024 * 8, HardwarePresets.CreateCore("simba-like", Tech).Memories[^1].CapacityBits);
        Assert.Equal(Tech.MacEnergyPj(8, "28nm"), tpu.Array.MacEnergyPj);
    }

    [Fact]
    public void Simba_package_is_a_6x6_grs_mesh()
    {
        var p = HardwarePresets.CreatePackage("simba-like", Tech);
        Assert.Equal(36, p.Chiplets.Length);
        Assert.All(p.Chiplets, c => Assert.Equal(1024, c.Design.Cores.Sum(k => k.Array.ProcessingElements)));
        Assert.Equal(Tech.DieToDie("simba-grs").EnergyPerBitPj, p.Links[0].EnergyPerBitPj);
        Assert.Equal(10, p.Route("c0_0", "c5_5")!.Value.Length);
    }

    [Theory]
    [InlineData("scar-3x3-het", 9, 3)]
    [InlineData("scar-3x3-ws", 9, 3)]
    [InlineData("scar-3x3-os", 9, 3)]
    [InlineData("scar-6x6-het", 36, 6)]
    [InlineData("scar-6x6-ws", 36, 6)]
    [InlineData("scar-6x6-os", 36, 6)]
    public void Scar_packages_put_dram_on_the_sides(string name, int chiplets, int size)
    {
        var p = HardwarePresets.CreatePackage(name, Tech);
        Assert.Equal(chiplets, p.Chiplets.Length);
        Assert.Equal(2 * size, p.Memories.Length);
        Assert.All(p.Memories, m =>
        {
            Assert.Equal(14.8, m.EnergyPerBitPj);
            Assert.Equal(64e9, m.BandwidthBytesPerSecond);
            Assert.Equal(200e-9, m.LatencySeconds, 15);
            var link = Assert.Single(p.Links, l => l.From == m.Id);
            var owner = p.Chiplet(link.To);
            Assert.True(owner.X == 0 || owner.X == size - 1);
        });
        var nop = p.Route("c0_0", "c1_0")!.Value;
        Assert.Equal(35e-9, Assert.Single(nop).LatencySeconds, 15);
        Assert.Equal(2.04, nop[0].EnergyPerBitPj);
        Assert.Equal(100e9, nop[0].BandwidthBytesPerSecond);
        Assert.All(p.Chiplets, c => Assert.Equal(500e6, c.Design.Cores[0].FrequencyHz));
        Assert.All(p.Chiplets, c => Assert.Equal(10L * 1024 * 1024 * 8, c.Design.Cores[0].Memories[^1].CapacityBits));
    }

    [Fact]
    public void Scar_het_mixes_both_dataflows()
    {
        var p = HardwarePresets.CreatePackage("scar-3x3-het", Tech);
        var flows = p.Chiplets.Select(c => c.Design.Cores[0].Dataflow.Name).ToList();
        Assert.Equal(5, flows.Count(f => f == Dataflows.WeightStationary));
        Assert.Equal(4, flows.Count(f => f == Dataflows.OutputStationary));
        Assert.All(HardwarePresets.CreatePackage("scar-3x3-os", Tech).Chiplets,
            c => Assert.Equal(Dataflows.OutputStationary, c.Design.Cores[0].Dataflow.Name));
    }

    /// <summary>Dataflows of neighbouring chiplets: (same-dataflow pairs, different-dataflow pairs) over the NoP links.</summary>
    private static (int Same, int Different) NeighbourPairs(Package p)
    {
        var flow = p.Chiplets.ToDictionary(c => c.Id, c => c.Design.Cores[0].Dataflow.Name);
        var pairs = p.Links.Where(l => flow.ContainsKey(l.From) && flow.ContainsKey(l.To))
            .Select(l => string.CompareOrdinal(l.From, l.To) < 0 ? (l.From, l.To) : (l.To, l.From)).Distinct()
            .Select(l => flow[l.Item1] == flow[l.Item2]).ToList();
        return (pairs.Count(same => same), pairs.Count(same => !same));
    }

    [Fact]
    public void Scar_het_sides_has_ws_side_columns_an_os_middle_and_both_kinds_of_neighbours()
    {
        var p = HardwarePresets.CreatePackage("scar-3x3-het-sides", Tech);
        Assert.Equal(9, p.Chiplets.Length);
        Assert.All(p.Chiplets, c => Assert.Equal(c.X == 1 ? Dataflows.OutputStationary : Dataflows.WeightStationary, c.Design.Cores[0].Dataflow.Name));
        Assert.Equal(6, p.Chiplets.Count(c => c.Design.Cores[0].Dataflow.Name == Dataflows.WeightStationary));
        // The DRAM owners (side columns) are the WS chiplets.
        Assert.All(p.Memories, m => Assert.Equal(Dataflows.WeightStationary,
            p.Chiplet(p.Links.First(l => l.From == m.Id || l.To == m.Id) is var l && l.From == m.Id ? l.To : l.From).Design.Cores[0].Dataflow.Name));
        var (same, different) = NeighbourPairs(p);
        // 12 mesh edges: 4 vertical in the side columns (WS–WS), 2 in the middle (OS–OS), 6 horizontal (WS–OS).
        Assert.Equal((6, 6), (same, different));
        Assert.Equal((0, 12), NeighbourPairs(HardwarePresets.CreatePackage("scar-3x3-het", Tech)));
    }

    [Fact]
    public void Scar_6x6_het_cross_has_an_os_cross_and_ws_corners()
    {
        var p = HardwarePresets.CreatePackage("scar-6x6-het-cross", Tech);
        Assert.Equal(36, p.Chiplets.Length);
        static bool Middle(int i) => i is 2 or 3;
        Assert.All(p.Chiplets, c => Assert.Equal(Middle(c.X) || Middle(c.Y) ? Dataflows.OutputStationary : Dataflows.WeightStationary,
            c.Design.Cores[0].Dataflow.Name));
        Assert.Equal(20, p.Chiplets.Count(c => c.Design.Cores[0].Dataflow.Name == Dataflows.OutputStationary));
        var (same, different) = NeighbourPairs(p);
        // 60 mesh edges: 44 inside the cross or a corner block, 16 where a corner block meets the cross.
        Assert.Equal((44, 16), (same, different));
        // scar-6x6-het stays the checkerboard (Het-CB), so Het-Cross is a preset of its own.
        Assert.Equal(0, NeighbourPairs(HardwarePresets.CreatePackage("scar-6x6-het", Tech)).Same);
    }

    [Theory]
    [InlineData("scar-3x3-het-arvr", 5)]
    [InlineData("scar-3x3-het-sides-arvr", 6)]
    [InlineData("scar-3x3-ws-arvr", 9)]
    [InlineData("scar-3x3-os-arvr", 0)]
    public void Scar_arvr_packages_use_256_pe_chiplets(string name, int weightStationary)
    {
        var p = HardwarePresets.CreatePackage(name, Tech);
        Assert.Equal(9, p.Chiplets.Length);
        Assert.All(p.Chiplets, c => Assert.Equal(256, c.Design.Cores[0].Array.ProcessingElements));
        Assert.All(p.Chiplets, c => Assert.EndsWith(HardwarePresets.ArVrSuffix, c.Design.Name, StringComparison.Ordinal));
        Assert.Equal(weightStationary, p.Chiplets.Count(c => c.Design.Cores[0].Dataflow.Name == Dataflows.WeightStationary));
    }

    [Fact]
    public void Every_package_name_builds_and_cores_work_as_packages()
    {
        foreach (var name in HardwarePresets.PackageNames)
            Assert.NotEmpty(HardwareLoader.Load(name, Tech).Chiplets);
        var tpu = HardwarePresets.CreatePackage("tpu-like", Tech);
        Assert.Single(tpu.Chiplets);
        Assert.Single(tpu.Memories);
        Assert.Single(tpu.Route(tpu.Memories[0].Id, tpu.Chiplets[0].Id)!.Value);
        Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() => HardwareLoader.Load("tpu-huge", Tech));
    }
}
