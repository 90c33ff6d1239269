using Tessera.Diagnostics;
using Tessera.Technology;

namespace Tessera.Tests.Technology;

public class TechnologyLibraryTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    [Fact]
    public void Every_entry_has_a_source_and_a_unit()
    {
        Assert.True(Tech.Entries.Length > 100);
        Assert.All(Tech.Entries, e =>
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Source), e.Key);
            Assert.False(string.IsNullOrWhiteSpace(e.Unit), e.Key);
            if (e.Min is { } min) Assert.True(min <= e.Value, e.Key);
            if (e.Max is { } max) Assert.True(e.Value <= max, e.Key);
        });
    }

    [Fact]
    public void Values_match_the_reference_tables()
    {
        Assert.Equal(0.2 + 0.03, Tech.MacEnergyPj(8, "45nm"), 9);
        Assert.Equal(3.7 + 0.9, Tech.MacEnergyPj("fp32", "45nm"), 9);
        Assert.Equal(1.1 + 0.4, Tech.MacEnergyPj("fp16", "45nm"), 9);
        Assert.Equal(3.5, Tech.Dram("HBM3").EnergyPerBitPj);
        Assert.Equal(819e9, Tech.Dram("hbm3").BandwidthBytesPerSecond);
        var scar = Tech.Dram("SCAR-28nm");
        Assert.Equal(14.8, scar.EnergyPerBitPj);
        Assert.Equal(64e9, scar.BandwidthBytesPerSecond);
        Assert.Equal(200e-9, scar.LatencySeconds, 15);
        var nop = Tech.DieToDie("scar-nop");
        Assert.Equal(2.04, nop.EnergyPerBitPj);
        Assert.Equal(35e-9, nop.LatencySeconds, 15);
        Assert.Equal(100e9, nop.BandwidthBytesPerSecond);
        Assert.Equal(9346, Tech.WaferCostUsd("7nm"));
        Assert.Equal(0.09, Tech.DefectDensityPerCm2("N7"));
        Assert.Equal(858, Tech.ReticleLimitMm2);
        Assert.Equal(334.43, Tech.MacAreaUm2("bf16", "14nm"), 6);
        Assert.Equal(0.4, Tech.NocHopEnergyPerBitPj("12nm"));
        Assert.Equal(0.3, Tech.DieToDie("ucie-advanced").EnergyPerBitPj);
    }

    [Fact]
    public void Ucie_advanced_reach_is_a_labelled_choice_defaulting_to_the_spec()
    {
        Assert.Equal(["spec", "mozart"], Tech.ReachChoices("ucie-advanced"));
        Assert.Equal(2, Tech.DieToDie("ucie-advanced").ReachMm);
        Assert.Equal(10, Tech.DieToDie("ucie-advanced", "mozart").ReachMm);
        Assert.Contains("Das Sharma", Tech.Get("die_to_die.ucie-advanced.reach.spec").Source, StringComparison.Ordinal);
        Assert.Contains("Mozart", Tech.Get("die_to_die.ucie-advanced.reach.mozart").Source, StringComparison.Ordinal);
        // A kind with one reach has no choices to name.
        Assert.Empty(Tech.ReachChoices("ucie-standard"));
        Assert.Equal(25, Tech.DieToDie("ucie-standard").ReachMm);
        Assert.Throws<TesseraInputException>(() => Tech.DieToDie("ucie-standard", "mozart"));
        var e = Assert.Throws<TesseraInputException>(() => Tech.DieToDie("ucie-advanced", "mozar"));
        Assert.Contains("did you mean 'mozart'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scar_and_preset_constants_cite_their_papers()
    {
        Assert.StartsWith("SCAR Table II", Tech.Get("scar.frequency").Source, StringComparison.Ordinal);
        Assert.Equal(500e6, Tech.Si("scar.frequency"));
        Assert.Equal(10L << 20, (long)Tech.Si("scar.l2_per_chiplet"));
        Assert.Contains("Jouppi", Tech.Get("reference.tpu_v1.unified_buffer").Source, StringComparison.Ordinal);
        Assert.Contains(Tech.Entries, e => e.Key == "dram.DDR4.energy_per_bit" && e.Min == 15 && e.Max == 20);
        Assert.Equal(["DDR4", "DDR5", "LPDDR5", "GDDR6", "GDDR7", "HBM2e", "HBM3", "HBM3E", "SCAR-28nm"], Tech.DramTypes);
    }

    [Fact]
    public void Smaller_nodes_spend_less_energy_per_mac()
    {
        var nodes = Tech.Nodes; // largest first
        for (var i = 1; i < nodes.Length; i++)
        {
            Assert.True(Tech.MacEnergyPj(8, nodes[i]) < Tech.MacEnergyPj(8, nodes[i - 1]), $"{nodes[i]} vs {nodes[i - 1]}");
            Assert.True(Tech.SramEnergyPerBitPj(65536, nodes[i]) < Tech.SramEnergyPerBitPj(65536, nodes[i - 1]), nodes[i]);
            Assert.True(Tech.NocHopEnergyPerBitPj(nodes[i]) < Tech.NocHopEnergyPerBitPj(nodes[i - 1]), nodes[i]);
        }
    }

    [Fact]
    public void Sram_energy_per_bit_grows_with_size_and_fits_the_points()
    {
        long[] sizes = [2048, 8192, 32768, 1 << 20, 24 << 20];
        for (var i = 1; i < sizes.Length; i++)
            Assert.True(Tech.SramEnergyPerBitPj(sizes[i], "45nm") > Tech.SramEnergyPerBitPj(sizes[i - 1], "45nm"));
        foreach (var (bytes, pj) in Tech.SramFitPoints)
            Assert.InRange(Tech.SramEnergyPerBitPj(bytes, "45nm") / pj, 0.85, 1.15);
        Assert.Equal(Tech.RegisterFileEnergyPerBitPj("7nm"), Tech.SramEnergyPerBitPj(64, "7nm"));
        Assert.True(Tech.SramAreaPerBitUm2("7nm") > 0.027);
    }

    [Fact]
    public void Unknown_names_list_the_known_ones()
    {
        var e = Assert.Throws<TesseraInputException>(() => Tech.MacEnergyPj(8, "9nm"));
        Assert.Contains("7nm", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<TesseraInputException>(() => Tech.Dram("DDR9"));
        Assert.Contains("HBM3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<TesseraInputException>(() => Tech.DieToDie("smoke-signals"));
        Assert.Contains("ucie-advanced", e.Message, StringComparison.Ordinal);
        Assert.Throws<TesseraInputException>(() => Tech.MacEnergyPj("int4", "7nm"));
    }

    [Fact]
    public void An_entry_without_source_is_rejected_with_its_position()
    {
        var e = Assert.Throws<TesseraInputException>(() =>
            TechnologyLibrary.Parse("a:\n  b: {value: 1, unit: pJ}\n", "t.yaml"));
        Assert.StartsWith("t.yaml:2:", e.Message, StringComparison.Ordinal);
    }
}
