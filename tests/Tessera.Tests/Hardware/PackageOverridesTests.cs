using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Technology;

namespace Tessera.Tests.Hardware;

/// <summary>A sweep's hardware overrides on a loaded package: what changes, and what follows from the technology library.</summary>
public sealed class PackageOverridesTests
{
    private static readonly TechnologyLibrary T = TechnologyLibrary.LoadDefault();

    [Fact]
    public void A_memory_type_brings_the_library_figures_and_the_links_follow_the_devices()
    {
        var package = HardwarePresets.CreatePackage("scar-2x2-het", T);
        var hbm = T.Dram("HBM3");
        var changed = new PackageOverrides { MemoryType = "HBM3" }.Apply(package, T);
        Assert.Equal(package.Memories.Length, changed.Memories.Length);
        Assert.All(changed.Memories, d =>
        {
            Assert.Equal(hbm.BandwidthBytesPerSecond, d.BandwidthBytesPerSecond);
            Assert.Equal(hbm.EnergyPerBitPj, d.EnergyPerBitPj);
            Assert.Equal(hbm.CapacityBytes, d.CapacityBytes);
        });
        Assert.All(changed.Links.Where(l => changed.Memories.Any(d => d.Id == l.From)), l => Assert.Equal(hbm.BandwidthBytesPerSecond, l.BandwidthBytesPerSecond));
        // Chiplet-to-chiplet links are another override's.
        Assert.Equal(package.Links.Where(l => l.From.StartsWith('c')).Select(l => l.BandwidthBytesPerSecond),
            changed.Links.Where(l => l.From.StartsWith('c')).Select(l => l.BandwidthBytesPerSecond));

        // The monolithic die's device stands for four SCAR interfaces: it keeps four of the new type.
        var monolithic = new PackageOverrides { MemoryType = "HBM3" }.Apply(HardwarePresets.CreatePackage(HardwarePresets.Monolithic, T), T);
        Assert.Equal(4 * hbm.BandwidthBytesPerSecond, monolithic.Memories.Single().BandwidthBytesPerSecond, 1e-6 * hbm.BandwidthBytesPerSecond);
    }

    [Fact]
    public void Bandwidth_overrides_set_the_links_they_name()
    {
        var package = HardwarePresets.CreatePackage("scar-3x3-het", T);
        var changed = new PackageOverrides { LinkBandwidthBytesPerSecond = 1e9, DramBandwidthBytesPerSecond = 2e9 }.Apply(package, T);
        var memories = changed.Memories.Select(d => d.Id).ToHashSet();
        Assert.All(changed.Memories, d => Assert.Equal(2e9, d.BandwidthBytesPerSecond));
        Assert.All(changed.Links, l => Assert.Equal(memories.Contains(l.From) || memories.Contains(l.To) ? 2e9 : 1e9, l.BandwidthBytesPerSecond));
        Assert.Equal(package.Links.Length, changed.Links.Length);
    }

    [Fact]
    public void An_array_override_resizes_the_unrolling_and_a_buffer_override_takes_the_library_energy_at_its_size()
    {
        var package = HardwarePresets.CreatePackage("scar-2x2-ws", T);
        var core = new PackageOverrides { Array = [32, 16], BufferBytes = 2 << 20 }.Apply(package, T).Chiplets[0].Design.Cores[0];
        var before = package.Chiplets[0].Design.Cores[0];
        Assert.Equal(32 * 16, core.Array.ProcessingElements);
        // Weight-stationary: D1 unrolls K, D2 C, each now the axis's size.
        Assert.Equal(32, core.Dataflow.FactorOf("K"));
        Assert.Equal(16, core.Dataflow.FactorOf("C"));
        Assert.Equal(before.Array.AreaMm2 * 512 / 4096, core.Array.AreaMm2, 1e-12);
        var l2 = core.Memories[^1];
        Assert.Equal(8L * (2 << 20), l2.CapacityBits);
        var node = package.Chiplets[0].Design.TechnologyNode;
        double ratio = T.SramEnergyPerBitPj(2 << 20, node) / T.SramEnergyPerBitPj(before.Memories[^1].CapacityBits / 8, node);
        Assert.Equal(before.Memories[^1].ReadEnergyPerBitPj * ratio, l2.ReadEnergyPerBitPj, 1e-12);
        Assert.True(l2.ReadEnergyPerBitPj < before.Memories[^1].ReadEnergyPerBitPj, "a smaller SRAM costs less per bit");
    }

    [Fact]
    public void Arrays_that_cannot_change_are_refused_naming_the_core()
    {
        var fixedPackage = HardwarePresets.CreatePackage("scar-2x2-ws-fixed", T);
        var e = Assert.Throws<TesseraInputException>(() => new PackageOverrides { Array = [32, 32], Origin = "s.yaml:3:4" }.Apply(fixedPackage, T));
        Assert.Contains("s.yaml:3:4", e.Message, StringComparison.Ordinal);
        Assert.Contains("fixed-function", e.Message, StringComparison.Ordinal);
        var axes = Assert.Throws<TesseraInputException>(() => new PackageOverrides { Array = [32, 32, 2] }.Apply(HardwarePresets.CreatePackage("scar-2x2-ws", T), T));
        Assert.Contains("expected 2 sizes", axes.Message, StringComparison.Ordinal);
    }
}
