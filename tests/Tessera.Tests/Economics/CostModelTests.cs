using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Technology;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Economics;

public class CostModelTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    [Fact]
    public void Yield_at_100_mm2_matches_the_hand_computation()
    {
        // A = 100 mm² = 1 cm², D0 = 0.1 /cm², α = 3: Y = (1 + 1 × 0.1 / 3)^−3 = 1.033333^−3 = 1 / 1.103370 = 0.906314.
        Assert.Equal(0.906314, Manufacturing.NegativeBinomialYield(100, 0.1, 3), 6);
        // CATCH's form: process yield 0.97, critical-area ratio 0.6, D0 0.5 /cm², α 2:
        // 0.97 × (1 + 1 × 0.5 × 0.6 / 2)^−2 = 0.97 / 1.15² = 0.97 / 1.3225 = 0.733459.
        Assert.Equal(0.733459, Manufacturing.NegativeBinomialYield(100, 0.5, 2, 0.6, 0.97), 6);
    }

    [Fact]
    public void Dies_per_wafer_matches_the_hand_computation()
    {
        // 100 mm² die, scribe 0.2 mm → A′ = (10 + 0.2)² = 104.04 mm²; usable radius 150 − 5 = 145 mm.
        // π·145²/104.04 = 66051.99/104.04 = 634.87; π·290/√208.08 = 911.06/14.425 = 63.16; 634.87 − 63.16 = 571.7 → 571.
        Assert.Equal(571, Manufacturing.DiesPerWafer(100, 300, 0.2, 5));
        // 400 mm²: A′ = 20.2² = 408.04; 66051.99/408.04 = 161.88; 911.06/√816.08 = 911.06/28.567 = 31.89; 129.98 → 129.
        Assert.Equal(129, Manufacturing.DiesPerWafer(400, 300, 0.2, 5));
    }

    [Fact]
    public void Cost_per_good_die_is_wafer_cost_over_good_dies()
    {
        // $3,000 wafer, 571 dies of 100 mm², Y = 0.906314: 3000 / (571 × 0.906314) = 3000 / 517.505 = $5.7970.
        var process = new WaferProcess("test", 3000, 300, 0.2, 5, 0.1, 3, 1, 1, 0, 858);
        var die = Manufacturing.Die("test-die", 100, process);
        Assert.Equal(571, die.DiesPerWafer);
        Assert.Equal(5.7970, die.CostPerGoodDieUsd, 4);
        // A test cost T per tested die adds T / Y per good die: 1 / 0.906314 = 1.1034.
        var tested = Manufacturing.Die("test-die", 100, process with { TestCostPerDieUsd = 1 });
        Assert.Equal(5.7970 + 1.1034, tested.CostPerGoodDieUsd, 4);
    }

    [Fact]
    public void A_die_above_the_reticle_limit_is_rejected_with_its_name_and_area()
    {
        var e = Assert.Throws<TesseraInputException>(() => CostProfile.Actuary.Die(Tech, "huge", 900, "7nm"));
        Assert.Contains("huge", e.Message);
        Assert.Contains("900", e.Message);
        Assert.Contains("858", e.Message);
        // Through a package: a chiplet with an explicit 900 mm² area.
        var core = HardwarePresets.CreateCore("scar-ws", Tech);
        var chiplet = new ChipletInstance("c0", new Chiplet("monster", [core], "28nm", AreaMm2: 900), 0, 0);
        var package = new Package("p", [chiplet], [], []);
        var e2 = Assert.Throws<TesseraInputException>(() => CostModel.Evaluate(Tech, package, CostOptions.Default(Tech)));
        Assert.Contains("monster", e2.Message);
    }

    [Fact]
    public void Bigger_dies_yield_less_and_cost_more_per_good_die()
    {
        var process = ActuaryProfile.Process(Tech, "7nm");
        DieEconomics? previous = null;
        for (double area = 10; area <= 850; area += 20)
        {
            var die = Manufacturing.Die("d", area, process);
            if (previous is not null)
            {
                Assert.True(die.Yield < previous.Yield, $"yield at {area} mm²");
                Assert.True(die.CostPerGoodDieUsd > previous.CostPerGoodDieUsd, $"cost at {area} mm²");
                Assert.True(die.DiesPerWafer <= previous.DiesPerWafer);
            }
            previous = die;
        }
    }

    [Theory]
    [InlineData(Packaging.Organic2D)]
    [InlineData(Packaging.Interposer25D)]
    public void Packaging_yield_falls_with_more_dies(Packaging kind)
    {
        var yields = Enumerable.Range(1, 6).Select(n => CostProfile.Actuary.Package(Tech, [.. Enumerable.Repeat(50.0, n)], kind).PackageYield).ToList();
        for (int i = 1; i < yields.Count; i++)
            Assert.True(yields[i] < yields[i - 1]);
        // One 50 mm² die at 45 µm: 50 / 0.045² = 24691 bumps; 0.999999^24691 × 0.9998 = 0.975613 × 0.9998 = 0.975418.
        Assert.Equal(0.975418, CostProfile.Actuary.Package(Tech, [50.0], Packaging.Interposer25D).PackageYield, 5);
    }

    [Fact]
    public void Nre_per_unit_of_a_design_reused_by_four_products_is_a_quarter_of_the_design_share()
    {
        var package = HardwarePresets.CreatePackage("scar-3x3-het", Tech);
        var one = CostModel.Evaluate(Tech, package, new CostOptions(Packaging.Interposer25D, 1_000_000, 1));
        var four = CostModel.Evaluate(Tech, package, new CostOptions(Packaging.Interposer25D, 1_000_000, 4));
        var designs = one.Chiplets.Sum(c => c.Nre.TotalUsd);
        var product = one.ProductNreUsd;
        Assert.Equal((designs + product) / 1e6, one.NrePerUnitUsd, 9);
        Assert.Equal((designs / 4 + product) / 1e6, four.NrePerUnitUsd, 9);
        Assert.Equal((one.NrePerUnitUsd - product / 1e6) / 4, four.NrePerUnitUsd - product / 1e6, 9);
        // Unit cost does not depend on reuse.
        Assert.Equal(one.UnitCostUsd, four.UnitCostUsd, 9);
    }

    [Fact]
    public void Mozart_nre_per_design_at_16_nm_is_its_14_0_million_and_scales_by_its_node_totals()
    {
        // Masks 8.5 + IP 2.5 + software 2.2 + labour 0.5 + validation 0.3 = 14.0 M; the per-product 0.8 M is not in it.
        Assert.Equal(14.0e6, CostModel.Nre(Tech, "16nm", 50, NreModel.Mozart).TotalUsd, 3);
        // 28 nm: 14.0 × 28 / 50 = 7.84 M.
        Assert.Equal(7.84e6, CostModel.Nre(Tech, "28nm", 50, NreModel.Mozart).TotalUsd, 3);
        // Chiplet Actuary 28 nm, 150 mm²: 51 M × (0.8 × 150/300 + 0.2) = 51 × 0.6 = 30.6 M.
        Assert.Equal(30.6e6, CostModel.Nre(Tech, "28nm", 150, NreModel.ChipletActuary).TotalUsd, 3);
    }

    [Fact]
    public void More_volume_means_less_nre_per_unit()
    {
        var package = HardwarePresets.CreatePackage("simba-like", Tech);
        double previous = double.MaxValue;
        foreach (var volume in new long[] { 1_000, 10_000, 100_000, 1_000_000, 3_000_000 })
        {
            var cost = CostModel.Evaluate(Tech, package, new CostOptions(Packaging.Organic2D, volume));
            Assert.True(cost.NrePerUnitUsd < previous);
            previous = cost.NrePerUnitUsd;
        }
    }

    [Theory]
    [InlineData("scar-3x3-het", Packaging.Interposer25D)]
    [InlineData("scar-3x3-het", Packaging.Organic2D)]
    [InlineData("simba-like", Packaging.Organic2D)]
    [InlineData("simba-like", Packaging.Interposer25D)]
    [InlineData("tpu-like", Packaging.Organic2D)]
    public void Package_total_is_positive_and_its_breakdown_sums_to_it(string preset, Packaging kind)
    {
        var package = HardwarePresets.CreatePackage(preset, Tech);
        var cost = CostModel.Evaluate(Tech, package, CostOptions.Default(Tech, kind));
        Assert.True(cost.TotalUsd > 0);
        Assert.Equal(package.Chiplets.Length, cost.Chiplets.Sum(c => c.Instances));
        Assert.All(cost.Chiplets, c => Assert.True(c.Die.Yield is > 0 and < 1 && c.Die.CostPerGoodDieUsd > 0 && c.Nre.TotalUsd > 0));
        var parts = cost.Chiplets.Sum(c => c.Instances * c.Die.CostPerGoodDieUsd) + cost.Packaging.SubstrateUsd
            + cost.Packaging.InterposerUsd + cost.Packaging.AssemblyUsd + cost.Packaging.AssemblyMachineUsd + cost.YieldLossUsd
            + cost.Memories.Sum(m => m.Usd) + cost.NrePerUnitUsd;
        Assert.Equal(cost.TotalUsd, parts, cost.TotalUsd * 1e-12);
        Assert.Equal(cost.UnitCostUsd + cost.NrePerUnitUsd, cost.TotalUsd, cost.TotalUsd * 1e-12);
    }

    [Fact]
    public void Scar_chiplet_area_is_its_array_and_l2_with_overhead_plus_one_dram_interface()
    {
        var cost = CostModel.Evaluate(Tech, HardwarePresets.CreatePackage("scar-3x3-het", Tech), CostOptions.Default(Tech));
        var ws = cost.Chiplets.Single(c => c.Design == "scar-ws").Area;
        // 4096 int8 MACs × 334.43 µm² × 0.1533 × 2.0 (28 nm) = 0.4200 mm².
        Assert.Equal(4096 * 334.43 * 0.1533 * 2.0 / 1e6, ws.PeArraysMm2, 9);
        // L2 10 MiB + 4096 per-PE 64 B buffers, at 0.127 µm² / 0.6 per bit.
        Assert.Equal((10 * 1048576 + 4096 * 64) * 8 * 0.127 / 0.6 / 1e6, ws.SramMm2, 9);
        Assert.Equal((ws.PeArraysMm2 + ws.SramMm2) * 0.25, ws.OverheadMm2, 9);
        // SCAR-28nm DRAM lists no PHY area: Mozart's 34.78 mm² PHY + controllers at 2.5D.
        Assert.Equal(1, ws.MemoryInterfaces);
        Assert.Equal(34.78, ws.MemoryInterfacesMm2, 9);
        // The centre chiplet (a WS one) has 4 mesh links: 4 × 1 mm² of die-to-die PHY (Chiplet Actuary).
        Assert.Equal(4, ws.DieToDieLinks);
        Assert.Equal(4.0, ws.DieToDiePhysMm2, 9);
        // At 2D the PHY grows ×2.2.
        Assert.Equal(34.78 * 2.2, CostModel.MemoryInterfaceMm2(Tech, "SCAR-28nm", Packaging.Organic2D), 9);
        // HBM3: its own PHY 19.28 + controllers 1.14.
        Assert.Equal(19.28 + 1.14, CostModel.MemoryInterfaceMm2(Tech, "HBM3", Packaging.Interposer25D), 9);
    }

    [Fact]
    public void The_worked_example_of_docs_economics_holds()
    {
        // docs/economics.md, `tessera cost scar-3x3-het`: every number there is derived by hand.
        var cost = CostModel.Evaluate(Tech, HardwarePresets.CreatePackage("scar-3x3-het", Tech), CostOptions.Default(Tech));
        var ws = cost.Chiplets.Single(c => c.Design == "scar-ws");
        Assert.Equal(62.05, ws.Area.TotalMm2, 2);
        Assert.Equal(932, ws.Die.DiesPerWafer);
        Assert.Equal(0.9291, ws.Die.Yield, 4);
        Assert.Equal(3.34, ws.Die.CostPerGoodDieUsd, 2);
        Assert.Equal(7.84e6, ws.Nre.TotalUsd, 3);
        Assert.Equal(0.7591, cost.Packaging.PackageYield, 4);
        Assert.Equal(0.7010, cost.Packaging.InterposerYield, 4);
        Assert.Equal(420.48, cost.MemoryUsd, 2);
        Assert.Equal(16.48, cost.NrePerUnitUsd, 3);
        Assert.Equal(626.98, cost.TotalUsd, 2);
    }

    [Fact]
    public void Memory_is_priced_per_module_from_dollars_per_gb()
    {
        var device = HardwareDefaults.Device(Tech, "hbm", "HBM3");
        // 24 GB × $110 = $2,640.
        Assert.Equal(2640, CostModel.Memory(Tech, device).Usd, 9);
    }

    [Fact]
    public void Cli_cost_json_exits_zero_and_sums()
    {
        var result = CliRunner.Run("cost", "scar-3x3-het", "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        var json = result.Json;
        var total = json.GetProperty("totalUsd").GetDouble();
        var parts = new[] { "diesUsd", "packagingUsd", "yieldLossUsd", "memoryUsd", "nrePerUnitUsd" }.Sum(p => json.GetProperty(p).GetDouble());
        Assert.Equal(total, parts, total * 1e-12);
        Assert.Equal(2, json.GetProperty("chiplets").GetArrayLength());
    }

    [Fact]
    public void Cli_costs_a_hardware_file_with_both_nre_models()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "examples", "edge-package.yaml");
        var mozart = CliRunner.Run("cost", file, "--json");
        Assert.True(mozart.ExitCode == 0, mozart.Error);
        var actuary = CliRunner.Run("cost", file, "--nre", "actuary", "--json");
        Assert.True(actuary.ExitCode == 0, actuary.Error);
        // Same silicon, different NRE.
        Assert.Equal(mozart.Json.GetProperty("unitCostUsd").GetDouble(), actuary.Json.GetProperty("unitCostUsd").GetDouble(), 9);
        Assert.NotEqual(mozart.Json.GetProperty("nreUsd").GetDouble(), actuary.Json.GetProperty("nreUsd").GetDouble());
    }

    [Fact]
    public void Cli_cost_table_and_bad_input()
    {
        var table = CliRunner.Run("cost", "simba-like", "--packaging", "2d", "--volume", "100000", "--products-sharing", "4");
        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Contains("total", table.Out);
        Assert.Equal(2, CliRunner.Run("cost", "scar-3x3-het", "--packaging", "3d").ExitCode);
        Assert.Equal(2, CliRunner.Run("cost", "scar-3x3-het", "--volume", "0").ExitCode);
    }
}
